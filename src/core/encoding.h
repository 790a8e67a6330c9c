// Base64 (RFC 4648, standard alphabet) on top of libcrypto's EVP_EncodeBlock / EVP_DecodeBlock,
// with the strictness age needs: optional padding and canonical-only decoding.
#pragma once

#include <string>

#include "secure_buffer.h"

namespace filesec::encoding {

std::string base64_encode(ByteView data, bool pad);

// Decodes `text`. With `padded` the input must carry '=' padding to a multiple of 4; without it,
// '=' is rejected. Non-canonical encodings (non-zero unused bits) and any character outside the
// alphabet are rejected. Returns false on any of these.
bool base64_decode(const std::string& text, bool padded, SecureBuffer* out);

}  // namespace filesec::encoding

// The rotation journal: a small file beside an encrypted file that records a header rewrite in
// place (the old header and the new one, of the same size) before the file is touched, so a
// rewrite interrupted by a crash can be completed afterwards. Layout (docs/FORMAT.md, section 7):
//
//   offset     size  field
//   0          16    magic "filesec-rotate\0\1"
//   16         4     header size H, big-endian
//   20         H     old header
//   20+H       H     new header
//   20+2H      32    SHA-256 of bytes [0, 20+2H)
//
// The checksum tells a complete journal from one cut short by a crash while it was written (the
// file is only touched once the journal is complete and synced).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fs_util.h"
#include "secure_buffer.h"

namespace filesec::rotation {

struct Journal {
  std::vector<uint8_t> old_header;
  std::vector<uint8_t> new_header;
};

std::vector<uint8_t> encode_journal(ByteView old_header, ByteView new_header);

// Checks the magic, sizes and checksum, and that both headers parse and share the immutable
// prefix. Throws FSEC_ROTATION_JOURNAL_INVALID naming `path`.
Journal decode_journal(ByteView bytes, const std::string& path);

// Creates the journal exclusively (mode 0600, no symlink followed), writes it and, when
// `durable`, syncs it and its folder. An existing journal is FSEC_ROTATION_INTERRUPTED. Returns the
// journal's descriptor, which holds its lock (fs::create_exclusive): keep it open until the journal
// is removed, so recovery and cleaners leave a running rotation alone.
fs::Fd write_journal(const std::string& path, ByteView old_header, ByteView new_header, bool durable);

// Reads and decodes a journal. False when there is none.
bool read_journal(const std::string& path, Journal* journal);

}  // namespace filesec::rotation

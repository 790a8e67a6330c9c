// Help texts. Kept in step with docs/CLI.md.

export const EXIT_STATUS_HELP = `Exit status:
  0    success
  1    any other failure (internal error)
  2    usage error: unknown or malformed option, missing argument, contradictory
       options, passphrase mismatch, no terminal to prompt on
  3    file error: input not found, not a regular file, I/O failure
  4    the output file exists (use --overwrite)
  5    key error: key file damaged, unsupported, too short, public where a
       private key is needed, wrong key passphrase
  6    cannot open: none of the identities is a recipient, or wrong passphrase
  7    damaged or not encrypted: tampered, truncated, not a .fsec file,
       unsupported format version; a malformed or unsupported signature file
  8    verify: the signature does not match (the file was modified, another
       key signed, or the trusted comment was altered)
  130  interrupted (SIGINT/SIGTERM); nothing is left at the output name`

const COMMON = `Common options:
  --json               print exactly one JSON object on stdout (errors as
                       {"error":{"code","message"}} on stderr)
  -q, --quiet          no human output (errors are still reported)
  -h, --help           show this help`

const PASSPHRASES = `Passphrases are never taken as command-line arguments. They are read from
the terminal without echo, or from --passphrase-file FILE (one trailing
newline is dropped) or --passphrase-env VARIABLE (the variable's name).`

export const MAIN_HELP = `filesec: public-key file encryption for sensitive data

Usage:
  filesec keygen  [--type x25519|rsa|ed25519] [--bits N] -o PRIVATE_KEY [--public-out PATH]
                  [--passphrase-file F | --passphrase-env VAR | --no-passphrase]
  filesec encrypt FILE (-r RECIPIENT | -R RECIPIENTS_FILE)... [-o OUT] [options]
  filesec encrypt FILE -p [--passphrase-file F | --passphrase-env VAR] [-o OUT] [options]
  filesec decrypt FILE -i IDENTITY... [--passphrase-file F | --passphrase-env VAR] [-o OUT]
  filesec decrypt FILE [--passphrase-file F | --passphrase-env VAR] [-o OUT]
  filesec inspect FILE
  filesec sign    FILE --key PRIVATE_KEY [-o SIG] [--comment TEXT] [--overwrite]
  filesec verify  FILE --key PUBLIC_KEY [--signature SIG]
  filesec help [COMMAND]
  filesec --version

Commands:
  keygen    generate a key pair (X25519 by default, or RSA)
  encrypt   encrypt a file to public keys or to a passphrase
  decrypt   decrypt a .fsec file with a private key or the passphrase
  inspect   show the public header of a .fsec file (no key needed)
  sign      make a detached signature of a file (Ed25519/minisign or RSA-PSS)
  verify    check a detached signature of a file

Run 'filesec COMMAND --help' for a command's options.

${COMMON}
  -V, --version        print the filesec and OpenSSL versions

${PASSPHRASES}

${EXIT_STATUS_HELP}
`

export const KEYGEN_HELP = `Usage: filesec keygen [--type x25519|rsa|ed25519] [--bits N] -o PRIVATE_KEY [options]

Generates a key pair. The private key is written to PRIVATE_KEY with mode 0600,
protected by a passphrase (asked twice on the terminal unless given otherwise);
the public key is written to PRIVATE_KEY.pub. Existing files are never replaced.
The public key and its fingerprint are printed; the private key never is.

Options:
  -t, --type TYPE          x25519 (default, age-compatible), rsa, or ed25519
                           (signing only; the public key in minisign's format)
  -b, --bits N             RSA modulus size (default 4096; 2048 to 16384)
  -o, --output PATH        where to write the private key (required)
      --public-out PATH    where to write the public key (default PATH.pub)
      --passphrase-file F  read the key passphrase from file F
      --passphrase-env VAR read the key passphrase from environment variable VAR
      --no-passphrase      write the private key unprotected

${COMMON}

${EXIT_STATUS_HELP}
`

export const ENCRYPT_HELP = `Usage: filesec encrypt FILE (-r RECIPIENT | -R RECIPIENTS_FILE)... [options]
       filesec encrypt FILE -p [--passphrase-file F | --passphrase-env VAR] [options]

Encrypts FILE to FILE.fsec (or -o OUT). Each recipient alone can decrypt it.
With -p the file is encrypted to a passphrase instead (asked twice on the
terminal unless --passphrase-file or --passphrase-env is given).

Options:
  -r, --recipient KEY       a public key: age1… or ssh-rsa … text, or the path of
                            a key file (PEM, OpenSSH, age); may be repeated
  -R, --recipients-file F   a file of recipients, one per line ('#' comments);
                            may be repeated
  -p, --use-passphrase      encrypt to a passphrase instead of recipients
      --passphrase-file F   read the passphrase from file F (implies -p)
      --passphrase-env VAR  read the passphrase from environment variable VAR
                            (implies -p)
      --work-factor N       scrypt work factor log2(N) for -p (default 18, 10–22)
  -o, --output OUT          output path (default FILE.fsec)
      --overwrite           replace an existing output file
      --note TEXT           a short note sealed with the file (at most 1024 bytes)
      --no-name             do not store the original file name
      --no-times            do not store the modification and creation times

A protected private key given with -r is asked for its passphrase on the terminal
(its public half is used).

${COMMON}

${EXIT_STATUS_HELP}
`

export const DECRYPT_HELP = `Usage: filesec decrypt FILE -i IDENTITY... [options]
       filesec decrypt FILE [--passphrase-file F | --passphrase-env VAR] [options]

Decrypts FILE to FILE without .fsec (else to its stored original name beside
it, or -o OUT). The output appears only once every byte has been authenticated.

Options:
  -i, --identity PATH       a private key file (PEM, or an age identity file,
                            plain or passphrase-protected); may be repeated
      --passphrase-file F   with -i: the passphrase of protected identity files;
                            without -i: the passphrase of the encrypted file
      --passphrase-env VAR  the same, from environment variable VAR
  -o, --output OUT          output path
      --overwrite           replace an existing output file

With -i and no passphrase option, a protected identity file is asked for its
passphrase on the terminal. Without -i the file must be passphrase-encrypted;
the passphrase is asked on the terminal unless given with an option.

${COMMON}

${EXIT_STATUS_HELP}
`

export const INSPECT_HELP = `Usage: filesec inspect FILE

Shows the public header of a .fsec file without any key: format version,
payload scheme, recipients (type, key fingerprint, RSA size or scrypt work
factor) and sizes. Nothing is decrypted.

${COMMON}

${EXIT_STATUS_HELP}
`

export const SIGN_HELP = `Usage: filesec sign FILE --key PRIVATE_KEY [options]

Makes a detached signature of FILE (any file, encrypted or not), hashed in one
streaming pass. An Ed25519 key writes FILE.minisig in minisign's format
(\`minisign -V\` verifies it); an RSA key writes FILE.sig, filesec's RSA-PSS
(SHA-256) signature file. The signature file is created with mode 0600 and
never replaces an existing file unless --overwrite is given.

Options:
  -k, --key PATH            the private key file: Ed25519 (PEM, or a minisign
                            secret key) or RSA (PEM)
  -o, --output SIG          signature path (default FILE.minisig or FILE.sig)
  -t, --comment TEXT        Ed25519: the signed trusted comment (default
                            timestamp:<unix time>, file:<name>, hashed)
      --overwrite           replace an existing signature file
      --passphrase-file F   read the key passphrase from file F
      --passphrase-env VAR  read the key passphrase from environment variable VAR

A protected key is asked for its passphrase on the terminal unless one of the
passphrase options is given.

${COMMON}

${EXIT_STATUS_HELP}
`

export const VERIFY_HELP = `Usage: filesec verify FILE --key PUBLIC_KEY [--signature SIG]

Checks a detached signature of FILE: a minisign signature (.minisig, made by
filesec or minisign) or a filesec RSA signature (.sig). Exits 0 when it
matches, 8 when it does not (the file was modified, another key signed, or the
trusted comment was altered), 7 when the signature file is malformed.

Options:
  -k, --key KEY             the signer's public key: a file (minisign public
                            key, PEM), or minisign's RW… line, or PEM text
  -x, --signature SIG       the signature file (default FILE.minisig or FILE.sig,
                            whichever exists)
      --passphrase-file F   if --key is a protected private key: its passphrase
      --passphrase-env VAR  the same, from environment variable VAR

The trusted comment is printed once the signature is verified.

${COMMON}

${EXIT_STATUS_HELP}
`

export const HELP: Record<string, string> = {
  keygen: KEYGEN_HELP,
  encrypt: ENCRYPT_HELP,
  decrypt: DECRYPT_HELP,
  inspect: INSPECT_HELP,
  sign: SIGN_HELP,
  verify: VERIFY_HELP,
}

// Help texts. Kept in step with docs/CLI.md.

export const EXIT_STATUS_HELP = `Exit status:
  0    success
  1    any other failure (internal error)
  2    usage error: unknown or malformed option, missing argument, contradictory
       options, passphrase mismatch, no terminal to prompt on
  3    file error: input not found, not a regular file, disk full, read-only
       file system, I/O failure
  4    the output file exists (use --overwrite)
  5    key error: key file damaged, unsupported, too short, public where a
       private key is needed, wrong key passphrase
  6    cannot open: none of the identities is a recipient, or wrong passphrase
  7    damaged or not encrypted: tampered, truncated, not a .fsec file,
       unsupported format version; an interrupted rotation (see
       'filesec rotate --recover'); a malformed or unsupported signature file
  8    padding: pad size too small to hide the file's length, or unpad of a
       file that is not padded
  9    destroy failed part-way: the message says what was done and where the
       file still is
  10   verify: the signature does not match (the file was modified, another
       key signed, or the trusted comment was altered)
  11   migrate FOLDER: at least one archive failed (the summary says which
       and why; the others were migrated or skipped)
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
  filesec encrypt FILE (-r RECIPIENT | -R RECIPIENTS_FILE)... [--codec age [-a]] [-o OUT] [options]
  filesec encrypt FILE -p [--passphrase-file F | --passphrase-env VAR] [--codec age [-a]] [-o OUT] [options]
  filesec decrypt FILE -i IDENTITY... [--passphrase-file F | --passphrase-env VAR] [-o OUT]
  filesec decrypt FILE [--passphrase-file F | --passphrase-env VAR] [-o OUT]
  filesec inspect FILE [-i IDENTITY | -p]
  filesec pad     FILE [--size N]
  filesec unpad   FILE [--lenient]
  filesec destroy FILE [--passes N] [--no-remove] [--yes]
  filesec status  FILE
  filesec rotate  FILE (-i IDENTITY... | [--passphrase-file F])
                  (-r KEY... | --add KEY | --remove KEY | -p) [--rekey [--pad P]]
  filesec rotate  FILE --recover
  filesec sign    FILE --key PRIVATE_KEY [-o SIG] [--comment TEXT] [--overwrite]
  filesec verify  FILE --key PUBLIC_KEY [--signature SIG]
  filesec migrate ARCHIVE|FOLDER -i OLD_KEY [--passphrase-file F] (-r KEY... | -p) [-o OUT] [--destroy-old]
  filesec doctor  [FOLDER...] [--recursive] [--clean]
  filesec help [COMMAND]
  filesec --version

Commands:
  keygen    generate a key pair (X25519 by default, or RSA)
  encrypt   encrypt a file to public keys or to a passphrase (.fsec, or age)
  decrypt   decrypt a .fsec or age file with a private key or the passphrase
  inspect   show the public header of a .fsec or age file (no key needed)
  pad       pad a plain file to a fixed size before encrypting (pyFileSec format)
  unpad     remove that padding
  destroy   overwrite a file in place and remove it (secure deletion)
  status    where a file lives: links, version control, cloud sync, medium
  rotate    change who can open a .fsec file, in place (header only, or --rekey)
  sign      make a detached signature of a file (Ed25519/minisign or RSA-PSS)
  verify    check a detached signature of a file
  migrate   re-encrypt legacy pyFileSec archives (.enc) to .fsec, one or a folder
  doctor    find (and with --clean remove) what interrupted runs left behind

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
terminal unless --passphrase-file or --passphrase-env is given). With --codec
age the output is an age v1 file, FILE.age, that the age tool decrypts
(binary, or ASCII-armored with -a, as age -a writes).

Then FILE itself is destroyed (overwritten in place, synced, removed; see
'filesec destroy'), but only after the output has been written, synced and read
back with every byte authenticated (an armored output: de-armored first). Use
--keep to keep it.

Options:
  -r, --recipient KEY       a public key: age1…, ssh-rsa … or (age only)
                            ssh-ed25519 … text, or the path of a key file (PEM,
                            OpenSSH, age); may be repeated
  -R, --recipients-file F   a file of recipients, one per line ('#' comments);
                            may be repeated
  -p, --use-passphrase      encrypt to a passphrase instead of recipients
      --passphrase-file F   read the passphrase from file F (implies -p)
      --passphrase-env VAR  read the passphrase from environment variable VAR
                            (implies -p)
      --work-factor N       scrypt work factor log2(N) for -p (default 18, 10–22)
      --codec fsec|age      the file format (default fsec); age files carry no
                            sealed metadata (--note, --pad are .fsec only)
  -a, --armor               with --codec age: write ASCII armor (PEM text)
  -o, --output OUT          output path (default FILE.fsec, or FILE.age)
      --overwrite           replace an existing output file
      --note TEXT           a short note sealed with the file (at most 1024 bytes)
      --no-name             do not store the original file name
      --no-times            do not store the modification and creation times
      --pad padme|N         hide the exact size: append zero bytes (inside the
                            encryption) up to the Padmé length (at most 11.6%
                            more) or to a multiple of N bytes
  -k, --keep                keep the plaintext FILE (default: destroy it once
                            the output is verified)
  -n, --passes N            overwrite passes when destroying FILE (default 3)

A protected private key given with -r is asked for its passphrase on the terminal
(its public half is used).

${COMMON}

${EXIT_STATUS_HELP}
`

export const DECRYPT_HELP = `Usage: filesec decrypt FILE -i IDENTITY... [options]
       filesec decrypt FILE [--passphrase-file F | --passphrase-env VAR] [options]

Decrypts FILE, a .fsec or an age file (binary or ASCII-armored, of any size),
to FILE without .fsec or .age (else, for .fsec, to its stored original name
beside it; or -o OUT). The output appears only once every byte has been
authenticated.

A legacy pyFileSec .enc archive (read only) is decrypted with its RSA private
key to the name pyFileSec gave it (made unique, like hello_1.txt). That format
has no MAC: the ciphertext is checked against the checksum the archive records
(a mismatch is refused), and the result says what could be checked.

Options:
  -i, --identity PATH       a private key file (PEM, or an age identity file,
                            plain or passphrase-protected; for age files also
                            an OpenSSH ed25519/rsa key); may be repeated
      --passphrase-file F   with -i: the passphrase of protected identity files;
                            without -i: the passphrase of the encrypted file
      --passphrase-env VAR  the same, from environment variable VAR
  -o, --output OUT          output path
      --overwrite           replace an existing output file
      --allow-unsafe-output write the plaintext even into a cloud-sync folder
                            (Dropbox, OneDrive, …) or a version-control working
                            copy (refused by default: exit status 3)
      --allow-checksum-mismatch
                            pyFileSec archives: write the plaintext even when the
                            ciphertext does not match its recorded checksum

With -i and no passphrase option, a protected identity file is asked for its
passphrase on the terminal. Without -i the file must be passphrase-encrypted;
the passphrase is asked on the terminal unless given with an option.

${COMMON}

${EXIT_STATUS_HELP}
`

export const INSPECT_HELP = `Usage: filesec inspect FILE [-i IDENTITY... | -p | --passphrase-file F | --passphrase-env VAR]

Shows the public header of a .fsec file without any key: format version,
payload scheme, recipients (type, key fingerprint, RSA size or scrypt work
factor) and sizes. Nothing is decrypted. For an age file: whether it is
ASCII-armored, the recipient types (X25519, ssh-ed25519, ssh-rsa, scrypt) and
sizes; with a key, its plaintext size.

With a key (-i, as for decrypt) or the file's passphrase (an option, or asked on
the terminal with -p), the header is opened and authenticated and the sealed
metadata is shown too: original name, size and padding, mode, times, note and
the rotation history. The payload is not decrypted.

Options:
  -i, --identity PATH       a private key file; may be repeated
  -p, --use-passphrase      the file is passphrase-encrypted: ask for it
      --passphrase-file F   with -i: the identity files' passphrase; without:
                            the passphrase of the encrypted file
      --passphrase-env VAR  the same, from environment variable VAR

${COMMON}

${EXIT_STATUS_HELP}
`

export const PAD_HELP = `Usage: filesec pad FILE [--size N]

Pads FILE in place to exactly N bytes (default 16384): zero bytes, then a
32-byte trailer that records how many bytes were added. Encrypt the padded
file: then its encrypted size no longer tells its real length. The format is
pyFileSec's, so pyFileSec unpads these files and filesec unpads pyFileSec's.

Existing padding is replaced. FILE must be shorter than N - 32 bytes (without
its padding), else nothing changes and the exit status is 8. Sizes from 1 to
127 are raised to 128; the largest is 8589934592 (8 GiB, pyFileSec's limit).
Symbolic links are not followed; the file's permissions are kept.

Options:
      --size N          the padded size in bytes (default 16384); as in
                        pyFileSec, 0 removes any padding (filesec unpad
                        --lenient) and -1 removes it or fails (filesec unpad)

${COMMON}

${EXIT_STATUS_HELP}
`

export const UNPAD_HELP = `Usage: filesec unpad FILE [--lenient]

Removes the padding that 'filesec pad' or pyFileSec's pad() added to FILE, in
place, giving back the original bytes. A file that is not padded is an error
(exit status 8) unless --lenient is given.

Options:
      --lenient         a file that is not padded is left as it is (exit 0)

${COMMON}

${EXIT_STATUS_HELP}
`

export const DESTROY_HELP = `Usage: filesec destroy FILE [--passes N] [--no-remove] [--yes]

Overwrites FILE in place (by default 3 passes: random, random, zeros), syncing
each pass to the disk, then truncates it, renames it to random names and
removes it. Prints a report: what was written, the file system and disk under
the file, other hard links, cloud-sync and version-control copies, and an
assurance verdict: 'overwritten-in-place' (NIST SP 800-88 Clear) only on a
rotational disk under a file system that rewrites files in place, with no
copies elsewhere; otherwise 'best-effort' with warnings saying why. On SSDs
and copy-on-write, network or in-memory file systems overwriting cannot be
trusted: keep such files encrypted and destroy the key instead.

This cannot be undone. On a terminal you are asked to confirm; without one,
--yes is required. Symbolic links are never followed.

Options:
  -n, --passes N       N passes: N-1 random, then zeros (1: a single random
                       pass); 1 to 100, default 3
      --no-remove      overwrite in place but keep the file (like shred
                       without -u)
  -y, --yes            do not ask for confirmation

Ctrl-C stops the overwrite between blocks; the file is then not removed and
the message says how far the passes got (exit status 130, also when the
question is answered no).

${COMMON}

${EXIT_STATUS_HELP}
`

export const STATUS_HELP = `Usage: filesec status FILE

Shows what matters about FILE before protecting or destroying it: size,
permissions (octal), number of hard links, device and inode, whether it is a
filesec file (by its first bytes), whether it is in a git, Mercurial or
Subversion working copy (and tracked, for git), whether it is in a cloud-sync
folder (Dropbox, OneDrive, Google Drive, iCloud Drive, Box, Nextcloud,
ownCloud, Syncthing), the medium (file-system type, SSD, copy-on-write, data
journaling, network, in RAM), and whether its folder is writable. Nothing is
changed; symbolic links are not followed.

${COMMON}

${EXIT_STATUS_HELP}
`

export const ROTATE_HELP = `Usage: filesec rotate FILE -i IDENTITY... NEW_RECIPIENTS [options]
       filesec rotate FILE [--passphrase-file F | --passphrase-env VAR]
                      NEW_RECIPIENTS [options]
       filesec rotate FILE --recover

Changes who can open FILE, in place. By default only the header is rewritten:
the file key is unwrapped with the old identity and wrapped for the new
recipients, and the payload is not touched (any file size takes the same
time). With --rekey the payload is re-encrypted under a fresh file key
instead. A failed rotation leaves FILE as it was. The encrypted metadata
records every rotation.

Old side (as for decrypt):
  -i, --identity PATH     a private key file that opens FILE now; may be
                          repeated
      --passphrase-file F   with -i: the passphrase of protected identity
                          files; without -i: the passphrase of FILE
      --passphrase-env VAR  the same, from environment variable VAR

New side (NEW_RECIPIENTS, one kind of change):
  -r, --recipient KEY     replace every recipient with these keys: age1… or
      --to KEY            ssh-rsa … text, or a key file; may be repeated
  -R, --recipients-file F   the same, from a recipients file; may be repeated
      --add KEY           add a recipient; may be repeated
      --remove KEY        remove a recipient, given by its key (text or file)
                          or its fingerprint (64 hex digits); may be repeated
  -p, --use-passphrase    make a new passphrase the only recipient (asked
                          twice on the terminal)
      --new-passphrase-file F   read the new passphrase from file F
                          (implies -p)
      --new-passphrase-env VAR  read it from environment variable VAR
                          (implies -p)
      --work-factor N     scrypt work factor log2(N) for -p (default 18,
                          10 to 22)

Other options:
      --rekey             re-encrypt the payload under a fresh file key
                          (needs -r/--to/-R or -p): the only way to revoke a
                          removed recipient who may have kept the file key
      --pad P             with --rekey, the new padding: padme, none, or a
                          bucket size in bytes (default: kept as it is)
      --recover           finish an interrupted rotation of FILE from the
                          journal it left beside it (.FILE.fsec-rotate)

Header only, the file is rewritten in place when its new header fits the room
reserved in the old one, else copied once with the new header. A protected
private key given as a recipient, or with -i, is asked for its passphrase on
the terminal.

age files (binary or armored) rotate too, header only and always by copy:
-r/--to/-R, --add, -p, and --remove of ssh-ed25519 / ssh-rsa keys. An X25519
(age1…) recipient cannot be removed (its stanza does not name the key): give
the full new list with -r instead. --rekey and --pad do not apply to age.

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
filesec or minisign), a filesec RSA signature (.sig), or a legacy pyFileSec
signature (base64 RSA PKCS#1 v1.5 over SHA-256, SHA-1 or MD5; the digest that
matched is shown, with a warning for SHA-1 and MD5). Exits 0 when it matches,
10 when it does not (the file was modified, another key signed, or the trusted
comment was altered), 7 when the signature file is malformed.

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

export const MIGRATE_HELP = `Usage: filesec migrate ARCHIVE -i OLD_KEY... (-r RECIPIENT | -R FILE)... [options]
       filesec migrate ARCHIVE -i OLD_KEY... -p [--new-passphrase-file F] [options]
       filesec migrate FOLDER -i OLD_KEY... (-r RECIPIENT... | -p) [options]

Re-encrypts a legacy pyFileSec archive (.enc) to a .fsec file in one pass:
the archive is decrypted and the plaintext sealed straight into the new file
(no plaintext ever touches the disk). The output, FILE.fsec beside the
archive (FILE = the name pyFileSec would decrypt to), is written to a
temporary file and renamed into place only on success. Its sealed metadata
holds the original name, the size, and the archive's clear-text history.
The old archive is kept unless --destroy-old.

With a FOLDER, every pyFileSec archive in the tree (recognised by its
content, not its name; symbolic links are not followed) is migrated, one
at a time, with a progress bar on a terminal and a summary: migrated,
skipped (the output exists), failed (with the reason). An interrupt
abandons the current archive cleanly (nothing written) and stops; once
--destroy-old is verifying the new file, it lets that archive finish (its
destroy included), then stops.

Options:
  -i, --identity PATH         RSA private key that opens the archives
                              (repeatable)
  --passphrase-file F         passphrase of that key, from a file
  --passphrase-env VAR        ... or from an environment variable (else it is
                              asked on the terminal when needed)
  -r, --recipient KEY         public key to encrypt the new files to
                              (repeatable); -R FILE: keys from a file
  -p, --use-passphrase        encrypt the new files to a passphrase instead
  --new-passphrase-file F     that passphrase, from a file
  --new-passphrase-env VAR    ... or from an environment variable
  --work-factor N             scrypt work factor for -p (default 18)
  -o, --output PATH           the new file (one ARCHIVE only)
  --overwrite                 replace an existing output file
  --destroy-old               destroy the old archive once the new file has
                              been written, synced and verified
  -n, --passes N              passes of that destroy (default 3)
  --allow-checksum-mismatch   migrate even when the ciphertext does not match
                              the checksum recorded in the archive
  --pad padme|N               hide the exact size (as encrypt --pad)
  --note TEXT                 a note sealed in the new metadata

pyFileSec archives have no MAC: the checksum recorded in the archive (when
there is one) is checked, and the result says how far ('integrity').

${COMMON}

${EXIT_STATUS_HELP}
`

export const DOCTOR_HELP = `Usage: filesec doctor [FOLDER...] [--recursive] [--clean]

Finds what interrupted runs (a crash, a kill, a power cut) left in FOLDER
(default: the current folder): temporary outputs named .NAME.<hex>.fsec-tmp,
which may hold plaintext, and rotation journals named .NAME.fsec-rotate (an
in-place rotation that did not finish). A running filesec holds a lock on each
of its own; those are reported as in use and never touched. Without --clean
nothing is changed.

  -r, --recursive      look into subfolders too (symbolic links are not followed)
      --clean          destroy the abandoned temporaries (overwritten once, then
                       removed) and complete the interrupted rotations (as
                       'filesec rotate FILE --recover' does)

Exit status 0 also when leftovers are found; with --clean, the status of the
first leftover that could not be cleaned (e.g. 7 for an unusable journal).

${COMMON}

${EXIT_STATUS_HELP}
`

export const HELP: Record<string, string> = {
  doctor: DOCTOR_HELP,
  migrate: MIGRATE_HELP,
  keygen: KEYGEN_HELP,
  encrypt: ENCRYPT_HELP,
  decrypt: DECRYPT_HELP,
  inspect: INSPECT_HELP,
  pad: PAD_HELP,
  unpad: UNPAD_HELP,
  destroy: DESTROY_HELP,
  status: STATUS_HELP,
  rotate: ROTATE_HELP,
  sign: SIGN_HELP,
  verify: VERIFY_HELP,
}

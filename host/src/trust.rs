//! Signed plugins: the signing keys flyte-host trusts, the policy they make, and checking a
//! library's signature. Signatures are minisign's (`.minisig`: Ed25519 over the library's BLAKE2b
//! hash, what `minisign -S` writes), checked with the minisign-verify crate: nothing here is
//! cryptography, only files, key ids and words for the user.
//!
//! Trusted keys are minisign public key files (`<name>.pub`, the format `minisign -G` writes) in
//! two directories: the user's `~/.flyte/trusted-keys/` (`flyte-host plugin trust add/remove`)
//! and the machine's, which an administrator controls: `/etc/flyte-host/trusted-keys/`, or
//! `$FLYTE_HOST_SYSTEM_KEYS_DIR`. Neither a key file nor its directory may be writable by group
//! or others (the rule plugin libraries follow).
//!
//! The policy: as soon as one key is trusted, or with `FLYTE_PLUGIN_REQUIRE_SIGNATURE=1`, `plugin
//! install` takes only libraries whose signature verifies with a trusted key, and start-up refuses
//! an installed plugin whose lock entry records no key. Start-up costs nothing more for a signed
//! plugin (its lock entry names its key); for an unsigned one, two directory listings tell whether
//! a policy is in force. `FLYTE_PLUGIN_VERIFY=always` re-hashes and re-verifies at every start.

use std::{
    fs,
    io::Read,
    path::{Path, PathBuf},
};

use base64::Engine;

/// The variable naming the machine-wide directory of trusted keys (tests, unusual installs).
pub(crate) const SYSTEM_KEYS_VAR: &str = "FLYTE_HOST_SYSTEM_KEYS_DIR";
/// The machine-wide directory of trusted keys by default.
pub(crate) const SYSTEM_KEYS_DEFAULT: &str = "/etc/flyte-host/trusted-keys";
/// `1`: signatures are required even with no key trusted.
pub(crate) const REQUIRE_VAR: &str = "FLYTE_PLUGIN_REQUIRE_SIGNATURE";
/// `always`: re-hash and re-verify the installed plugins at every start.
pub(crate) const VERIFY_VAR: &str = "FLYTE_PLUGIN_VERIFY";
/// The extension of key files.
pub(crate) const KEY_EXTENSION: &str = "pub";
/// The extension of signature files (an installed library's signature is `<library>.minisig`).
pub(crate) const SIGNATURE_EXTENSION: &str = "minisig";

/// The largest key or signature file read (both are a few hundred bytes).
const SMALL_FILE_MAX: u64 = 16 * 1024;

/// Which directory a trusted key is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The user's (`~/.flyte/trusted-keys/`).
    User,
    /// The machine's, an administrator's.
    System,
}

impl Scope {
    /// `user` or `system`.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::System => "system",
        }
    }
}

/// A trusted signing key.
#[derive(Debug, Clone)]
pub(crate) struct TrustedKey {
    /// Its name (the file name without `.pub`).
    pub name: String,
    /// Its minisign key id: uppercase hex, as minisign prints it (no leading zeros).
    pub key_id: String,
    /// The public key, base64 (the second line of a minisign `.pub` file).
    pub public_key: String,
    /// Its file.
    pub file: PathBuf,
    /// Whose it is.
    pub scope: Scope,
    key: minisign_verify::PublicKey,
}

/// The two directories of trusted keys.
#[derive(Debug, Clone)]
pub(crate) struct KeyDirs {
    /// `~/.flyte/trusted-keys/` (none without a HOME).
    pub user: Option<PathBuf>,
    /// `/etc/flyte-host/trusted-keys/` or `$FLYTE_HOST_SYSTEM_KEYS_DIR`.
    pub system: PathBuf,
}

impl KeyDirs {
    /// The directories from `HOME` and `FLYTE_HOST_SYSTEM_KEYS_DIR`.
    pub(crate) fn from_env() -> Result<KeyDirs, TrustError> {
        KeyDirs::of(std::env::var_os("HOME"), std::env::var_os(SYSTEM_KEYS_VAR))
    }

    /// [`KeyDirs::from_env`] of the values `home` (`HOME`) and `system` (`FLYTE_HOST_SYSTEM_KEYS_DIR`).
    pub(crate) fn of(
        home: Option<std::ffi::OsString>,
        system: Option<std::ffi::OsString>,
    ) -> Result<KeyDirs, TrustError> {
        let absolute = |variable: &'static str, value: std::ffi::OsString| {
            let path = PathBuf::from(&value);
            if path.is_absolute() {
                Ok(path)
            } else {
                Err(TrustError::NotAbsolute {
                    variable,
                    value: value.to_string_lossy().into_owned(),
                })
            }
        };
        let user = match home.filter(|h| !h.is_empty()) {
            Some(home) => Some(absolute("HOME", home)?.join(".flyte").join("trusted-keys")),
            None => None,
        };
        let system = match system.filter(|s| !s.is_empty()) {
            Some(dir) => absolute(SYSTEM_KEYS_VAR, dir)?,
            None => PathBuf::from(SYSTEM_KEYS_DEFAULT),
        };
        Ok(KeyDirs { user, system })
    }

    fn each(&self) -> impl Iterator<Item = (&Path, Scope)> {
        self.user
            .as_deref()
            .map(|d| (d, Scope::User))
            .into_iter()
            .chain(std::iter::once((self.system.as_path(), Scope::System)))
    }

    /// Every trusted key, the user's first, each directory's by name. A key file or directory
    /// writable by others, or a file that is not a minisign public key, is an error naming it.
    pub(crate) fn read(&self) -> Result<Vec<TrustedKey>, TrustError> {
        let mut keys = Vec::new();
        for (dir, scope) in self.each() {
            let files = key_files(dir)?;
            if files.is_empty() {
                continue;
            }
            let meta = fs::metadata(dir).map_err(|e| TrustError::io(dir, e))?;
            refuse_loose("directory", dir, &meta)?;
            for file in files {
                keys.push(read_key_file(&file, scope)?);
            }
        }
        Ok(keys)
    }

    /// Whether any key file is in either directory: the cheap test of start-up (a listing of
    /// each directory, which usually does not exist).
    pub(crate) fn any_key(&self) -> Result<bool, TrustError> {
        for (dir, _) in self.each() {
            if !key_files(dir)?.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Where the keys are, for messages: `DIR` or `DIR and DIR`.
    pub(crate) fn describe(&self) -> String {
        self.each()
            .map(|(d, _)| d.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// The key files (`*.pub`, not hidden) directly in `dir`, sorted; none when it does not exist.
fn key_files(dir: &Path) -> Result<Vec<PathBuf>, TrustError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(TrustError::io(dir, e))
        }
        Err(e) => return Err(TrustError::io(dir, e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == KEY_EXTENSION)
                && p.file_name()
                    .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Refuses `path` (a key `what`) when group or others may write it.
fn refuse_loose(what: &'static str, path: &Path, meta: &fs::Metadata) -> Result<(), TrustError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(TrustError::LoosePermissions {
                what,
                path: path.to_owned(),
                mode: mode & 0o7777,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (what, path, meta);
    Ok(())
}

/// Reads a small text file (a key or a signature), refusing one that is not a file or is larger
/// than any key or signature.
pub(crate) fn read_small(path: &Path) -> std::io::Result<(String, fs::Metadata)> {
    let mut file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a file"));
    }
    if meta.len() > SMALL_FILE_MAX {
        return Err(std::io::Error::other(format!(
            "it is larger than {SMALL_FILE_MAX} bytes, which no minisign key or signature is"
        )));
    }
    let mut text = String::new();
    (&mut file)
        .take(SMALL_FILE_MAX)
        .read_to_string(&mut text)
        .map_err(|_| std::io::Error::other("it is not UTF-8 text"))?;
    Ok((text, meta))
}

fn read_key_file(file: &Path, scope: Scope) -> Result<TrustedKey, TrustError> {
    let (text, meta) = read_small(file).map_err(|e| TrustError::BadKeyFile {
        path: file.to_owned(),
        reason: e.to_string(),
    })?;
    refuse_loose("file", file, &meta)?;
    let public_key = public_key_of_text(&text).map_err(|reason| TrustError::BadKeyFile {
        path: file.to_owned(),
        reason,
    })?;
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    trusted(name, public_key, file.to_owned(), scope).map_err(|reason| TrustError::BadKeyFile {
        path: file.to_owned(),
        reason,
    })
}

fn trusted(
    name: String,
    public_key: String,
    file: PathBuf,
    scope: Scope,
) -> Result<TrustedKey, String> {
    let key = minisign_verify::PublicKey::from_base64(&public_key)
        .map_err(|e| format!("not a minisign Ed25519 public key: {e}"))?;
    Ok(TrustedKey {
        name,
        key_id: key_id_of_public_key(&public_key)?,
        public_key,
        file,
        scope,
        key,
    })
}

/// The base64 public key of minisign `.pub` file text (`untrusted comment: …` then the key), or
/// of a bare base64 key.
pub(crate) fn public_key_of_text(text: &str) -> Result<String, String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let key = match lines.as_slice() {
        [key] => *key,
        [comment, key] if comment.starts_with("untrusted comment:") => *key,
        _ => {
            return Err(
                "a minisign public key is one `untrusted comment:` line and one base64 line (what `minisign -G` writes to its .pub file), or the base64 line alone"
                    .into(),
            )
        }
    };
    minisign_verify::PublicKey::from_base64(key)
        .map_err(|e| format!("not a minisign Ed25519 public key: {e}"))?;
    Ok(key.to_owned())
}

/// Bytes 2..10 of a minisign key or signature blob (after the two algorithm bytes): the key id,
/// which minisign prints as this little-endian number in uppercase hex without leading zeros (`%PRIX64`).
fn key_id_of_blob(blob: &[u8]) -> Option<String> {
    let id: [u8; 8] = blob.get(2..10)?.try_into().ok()?;
    Some(format!("{:X}", u64::from_le_bytes(id)))
}

/// The minisign key id of base64 public key `public_key`.
pub(crate) fn key_id_of_public_key(public_key: &str) -> Result<String, String> {
    let blob = base64::engine::general_purpose::STANDARD
        .decode(public_key.trim())
        .map_err(|e| format!("not base64: {e}"))?;
    key_id_of_blob(&blob).ok_or_else(|| "too short for a minisign public key".to_owned())
}

/// A parsed minisign signature.
#[derive(Clone)]
pub(crate) struct Signature {
    /// Its text (the `.minisig` file).
    pub text: String,
    /// The id of the key that made it.
    pub key_id: String,
    signature: minisign_verify::Signature,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Signature {
    /// Parses `.minisig` text; the reason it is not a signature flyte-host accepts otherwise.
    pub(crate) fn parse(text: &str) -> Result<Signature, String> {
        let mut text = text.replace("\r\n", "\n");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let not_one = "it is not a minisign signature (four lines: `untrusted comment:`, the signature, `trusted comment:`, the global signature; what `minisign -S` writes)";
        let second = text.lines().nth(1).ok_or_else(|| not_one.to_owned())?;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(second.trim())
            .map_err(|_| not_one.to_owned())?;
        // Algorithm (2 bytes), key id (8), Ed25519 signature (64).
        if blob.len() != 74 {
            return Err(not_one.into());
        }
        match blob.get(0..2) {
            Some(b"ED") => {}
            Some(b"Ed") => {
                return Err("it is a legacy minisign signature (made with `minisign -S -l`), which signs the file itself rather than its hash; sign with `minisign -S` (prehashed, the default since minisign 0.8) or `flyte-host plugin manifest --sign`".into())
            }
            _ => return Err(not_one.into()),
        }
        let signature =
            minisign_verify::Signature::decode(&text).map_err(|_| not_one.to_owned())?;
        let key_id = key_id_of_blob(&blob).ok_or_else(|| not_one.to_owned())?;
        Ok(Signature {
            text,
            key_id,
            signature,
        })
    }
}

/// Why a signature did not verify.
#[derive(Debug)]
pub(crate) enum Rejected {
    /// No trusted key has the signature's key id.
    UnknownKey,
    /// The trusted key with the signature's id says it is not a signature of the file.
    Invalid(String),
    /// The file could not be read.
    Unreadable(std::io::Error),
}

/// Verifies `signature` of the file at `path` with the trusted key of the signature's key id
/// among `keys`; returns that key.
pub(crate) fn verify_file<'k>(
    path: &Path,
    signature: &Signature,
    keys: &'k [TrustedKey],
) -> Result<&'k TrustedKey, Rejected> {
    let key = keys
        .iter()
        .find(|k| k.key_id == signature.key_id)
        .ok_or(Rejected::UnknownKey)?;
    let mut verifier = key
        .key
        .verify_stream(&signature.signature)
        .map_err(|e| Rejected::Invalid(e.to_string()))?;
    let mut file = fs::File::open(path).map_err(Rejected::Unreadable)?;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(Rejected::Unreadable)?;
        if n == 0 {
            break;
        }
        verifier.update(&buffer[..n]);
    }
    verifier
        .finalize()
        .map_err(|_| Rejected::Invalid("the signature does not match the file".into()))?;
    Ok(key)
}

/// Signs `library` with the minisign secret key file `secret_key` (`minisign -G` writes one), as
/// `minisign -S` does: prehashed, a trusted comment with the time and the file name. An encrypted
/// key asks for its password on the terminal, as minisign does; without a terminal it is refused.
/// Returns the signature, or why it could not be made.
pub(crate) fn sign(secret_key: &Path, library: &Path) -> Result<Signature, String> {
    let key_text = |e: std::io::Error| {
        format!(
            "cannot read the minisign secret key `{}`: {e}",
            secret_key.display()
        )
    };
    let (text, _) = read_small(secret_key).map_err(key_text)?;
    let not_a_key = || {
        format!(
            "`{}` is not a minisign secret key (what `minisign -G` writes to its .key file)",
            secret_key.display()
        )
    };
    // The key's second line: algorithm, then the key derivation's ("Sc" when encrypted).
    let blob = text
        .lines()
        .nth(1)
        .and_then(|line| {
            base64::engine::general_purpose::STANDARD
                .decode(line.trim())
                .ok()
        })
        .ok_or_else(not_a_key)?;
    // Algorithms (6 bytes), salt (32), scrypt limits (16), key id (8), key (64), checksum (32).
    if blob.len() != 158 || !blob.starts_with(b"Ed") {
        return Err(not_a_key());
    }
    let encrypted = blob[2..4] != [0, 0];
    let key_box = minisign::SecretKeyBox::from_string(&text).map_err(|_| not_a_key())?;
    let secret = if encrypted {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Err(format!(
                "the minisign secret key `{}` is encrypted, and there is no terminal to ask for its password: run the command on a terminal, or sign with `minisign -S -s {} -m LIB` and give the signature with --signature LIB.minisig",
                secret_key.display(),
                secret_key.display()
            ));
        }
        let password = rpassword::prompt_password(format!(
            "Password of the minisign secret key {}: ",
            secret_key.display()
        ))
        .map_err(|e| format!("cannot read the password: {e}"))?;
        minisign::SecretKey::from_box(key_box, Some(password)).map_err(|e| {
            format!(
                "cannot decrypt the minisign secret key `{}`: {e}",
                secret_key.display()
            )
        })?
    } else {
        match minisign::SecretKey::from_unencrypted_box(key_box) {
            Ok(secret) => secret,
            // minisign 0.11 (Debian's) writes unencrypted keys (`-G -W`) with an all-zero
            // checksum, which the crate calls corrupted: such a key is read as it is, and the
            // signature made with it is checked with the key's own public half below.
            Err(_) if blob.len() > 32 && blob[blob.len() - 32..].iter().all(|b| *b == 0) => {
                minisign::SecretKey::from_bytes(&blob).map_err(|_| not_a_key())?
            }
            Err(e) => {
                return Err(format!(
                    "the minisign secret key `{}` is not usable: {e}",
                    secret_key.display()
                ))
            }
        }
    };
    let public = minisign::PublicKey::from_secret_key(&secret).map_err(|e| {
        format!(
            "the minisign secret key `{}` is not usable: {e}",
            secret_key.display()
        )
    })?;
    let file =
        fs::File::open(library).map_err(|e| format!("cannot read `{}`: {e}", library.display()))?;
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let file_name: String = library
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let trusted_comment = format!("timestamp:{timestamp}\tfile:{file_name}\thashed");
    let signed = minisign::sign(
        Some(&public),
        &secret,
        file,
        Some(&trusted_comment),
        Some("signature from minisign secret key"),
    )
    .map_err(|e| format!("signing `{}` failed: {e}", library.display()))?;
    Signature::parse(&signed.into_string())
}

/// Whether signatures are required: what the policy is.
#[derive(Debug)]
pub(crate) enum Policy {
    /// No key trusted and `FLYTE_PLUGIN_REQUIRE_SIGNATURE` not set: anything installs.
    Off,
    /// Signatures must verify with one of these keys.
    Keys(Vec<TrustedKey>),
    /// `FLYTE_PLUGIN_REQUIRE_SIGNATURE=1` with no key trusted: nothing installs.
    NoKey,
}

impl Policy {
    /// The policy in force: the trusted keys, and `FLYTE_PLUGIN_REQUIRE_SIGNATURE`.
    pub(crate) fn from_env(dirs: &KeyDirs) -> Result<Policy, TrustError> {
        let keys = dirs.read()?;
        if !keys.is_empty() {
            return Ok(Policy::Keys(keys));
        }
        Ok(if required()? {
            Policy::NoKey
        } else {
            Policy::Off
        })
    }

    /// The trusted keys (none when off).
    pub(crate) fn keys(&self) -> &[TrustedKey] {
        match self {
            Policy::Keys(keys) => keys,
            _ => &[],
        }
    }

    /// Whether signatures are required.
    pub(crate) fn in_force(&self) -> bool {
        !matches!(self, Policy::Off)
    }

    /// The trusted key ids, `A, B` (or `none`).
    pub(crate) fn key_ids(&self) -> String {
        key_ids(self.keys())
    }
}

/// `A (name), B (name)`, or `none`.
pub(crate) fn key_ids(keys: &[TrustedKey]) -> String {
    if keys.is_empty() {
        return "none".into();
    }
    keys.iter()
        .map(|k| match k.name == k.key_id {
            true => k.key_id.clone(),
            false => format!("{} ({})", k.key_id, k.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `FLYTE_PLUGIN_REQUIRE_SIGNATURE`: `1` (or `true`, `yes`) requires signatures.
pub(crate) fn required() -> Result<bool, TrustError> {
    let Some(value) = std::env::var_os(REQUIRE_VAR) else {
        return Ok(false);
    };
    match value.to_string_lossy().trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "" | "0" | "false" | "no" => Ok(false),
        _ => Err(TrustError::BadSetting {
            variable: REQUIRE_VAR,
            value: value.to_string_lossy().into_owned(),
            expected: "1 (require signed plugins) or 0",
        }),
    }
}

/// `FLYTE_PLUGIN_VERIFY`: `always` re-hashes and re-verifies installed plugins at every start.
pub(crate) fn verify_always() -> Result<bool, TrustError> {
    let Some(value) = std::env::var_os(VERIFY_VAR) else {
        return Ok(false);
    };
    match value.to_string_lossy().trim().to_ascii_lowercase().as_str() {
        "always" => Ok(true),
        "" | "lock" => Ok(false),
        _ => Err(TrustError::BadSetting {
            variable: VERIFY_VAR,
            value: value.to_string_lossy().into_owned(),
            expected: "`always` (re-hash and re-verify plugins at every start) or `lock` (the default: trust the lock file)",
        }),
    }
}

/// Start-up's test for an installed plugin whose lock entry records no signature: why it must
/// not load (a policy is in force), or `None`. Costs a listing of the two key directories.
pub(crate) fn policy_at_start() -> Result<Option<String>, TrustError> {
    if required()? {
        return Ok(Some(format!("{REQUIRE_VAR}=1 requires signed plugins")));
    }
    let dirs = KeyDirs::from_env()?;
    if dirs.any_key()? {
        return Ok(Some(format!(
            "signing keys are trusted (in {}), so only plugins verified with one load",
            dirs.describe()
        )));
    }
    Ok(None)
}

/// The signature file of installed library `library`: `<library>.minisig`.
pub(crate) fn signature_file(library: &Path) -> PathBuf {
    let mut name = library.as_os_str().to_owned();
    name.push(".");
    name.push(SIGNATURE_EXTENSION);
    PathBuf::from(name)
}

/// Re-verifies installed library `library` with its stored signature (`<library>.minisig`) and
/// the trusted key `key_id` its lock entry records; the reason it does not verify otherwise.
pub(crate) fn reverify(library: &Path, key_id: &str, keys: &[TrustedKey]) -> Result<(), String> {
    let file = signature_file(library);
    let (text, _) = read_small(&file)
        .map_err(|e| format!("its signature `{}` cannot be read: {e}", file.display()))?;
    let signature = Signature::parse(&text)
        .map_err(|reason| format!("its signature `{}`: {reason}", file.display()))?;
    if signature.key_id != key_id {
        return Err(format!(
            "its signature `{}` is by key {}, but the lock file recorded key {key_id}",
            file.display(),
            signature.key_id
        ));
    }
    match verify_file(library, &signature, keys) {
        Ok(_) => Ok(()),
        Err(Rejected::UnknownKey) => Err(format!(
            "it was verified with key {key_id}, which is no longer trusted (trusted: {})",
            key_ids(keys)
        )),
        Err(Rejected::Invalid(reason)) => Err(format!(
            "its signature does not verify with key {key_id} ({reason}): modified after install"
        )),
        Err(Rejected::Unreadable(e)) => Err(format!("cannot read the library: {e}")),
    }
}

/// Adds the key `given` (a minisign `.pub` file, or a base64 public key) to the user's trusted
/// keys as `name` (default: its key id). Returns the key and whether it was new (a key already
/// trusted under any name is left as it is).
pub(crate) fn add(
    dirs: &KeyDirs,
    given: &str,
    name: Option<&str>,
) -> Result<(TrustedKey, bool), TrustError> {
    let user = dirs.user.as_ref().ok_or(TrustError::NoHome)?;
    let bad = |reason: String| TrustError::BadKey {
        given: given.to_owned(),
        reason,
    };
    let path = Path::new(given);
    let public_key = if path.is_file() {
        let (text, _) = read_small(path).map_err(|e| bad(e.to_string()))?;
        public_key_of_text(&text).map_err(bad)?
    } else {
        public_key_of_text(given).map_err(|reason| {
            bad(format!(
                "it is neither a file nor a base64 minisign public key ({reason})"
            ))
        })?
    };
    let key_id = key_id_of_public_key(&public_key).map_err(bad)?;
    let name = name.map_or_else(|| key_id.clone(), str::to_owned);
    if crate::plugin_dir::safe_component(&name).is_err() {
        return Err(TrustError::BadName { name });
    }
    let existing = dirs.read()?;
    if let Some(known) = existing.iter().find(|k| k.key_id == key_id) {
        return Ok((known.clone(), false));
    }
    let file = user.join(format!("{name}.{KEY_EXTENSION}"));
    if let Some(taken) = existing
        .iter()
        .find(|k| k.name == name && k.scope == Scope::User)
    {
        return Err(TrustError::NameTaken {
            name,
            key_id: taken.key_id.clone(),
            file: taken.file.clone(),
        });
    }
    crate::atomic_file::create_dirs(user).map_err(|e| TrustError::io(user, e))?;
    let text = format!(
        "untrusted comment: flyte-host trusted key {name} (minisign public key {key_id})\n{public_key}\n"
    );
    crate::atomic_file::write(&file, text.as_bytes(), false)
        .map_err(|e| TrustError::io(&file, e))?;
    let key = trusted(name, public_key, file, Scope::User).map_err(bad)?;
    Ok((key, true))
}

/// Removes the user's trusted key named `name` (or with key id `name`); returns it.
pub(crate) fn remove(dirs: &KeyDirs, name: &str) -> Result<TrustedKey, TrustError> {
    let keys = dirs.read()?;
    let matches = |k: &&TrustedKey| k.name == name || k.key_id.eq_ignore_ascii_case(name);
    if let Some(key) = keys.iter().filter(|k| k.scope == Scope::User).find(matches) {
        fs::remove_file(&key.file).map_err(|e| TrustError::io(&key.file, e))?;
        return Ok(key.clone());
    }
    if let Some(key) = keys.iter().find(matches) {
        return Err(TrustError::SystemKey {
            name: name.to_owned(),
            file: key.file.clone(),
        });
    }
    Err(TrustError::NotTrusted {
        name: name.to_owned(),
        trusted: key_ids(&keys),
    })
}

/// What can go wrong with trusted keys and their settings. Each message names the file, key or
/// variable and says what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TrustError {
    /// A file or directory operation failed.
    #[error("cannot read or write `{path}`: {source}", path = .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `HOME` or `FLYTE_HOST_SYSTEM_KEYS_DIR` is relative.
    #[error("{variable} is `{value}`, which is not an absolute path: the trusted keys would depend on the current directory. Set {variable} to an absolute path.")]
    NotAbsolute {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
    },
    /// No HOME for the user's keys.
    #[error("HOME is not set, so there is no ~/.flyte/trusted-keys/ to keep the key in. Set HOME, or ask an administrator to put the key in {SYSTEM_KEYS_DEFAULT} (or ${SYSTEM_KEYS_VAR}).")]
    NoHome,
    /// A key file or key directory is writable by group or others.
    #[error("trusted key {what} `{path}` is writable by other users (mode {mode:04o}), so anyone could make flyte-host trust their plugins: run `chmod go-w {path}`.", path = .path.display())]
    LoosePermissions {
        /// `file` or `directory`.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A file in a key directory is not a minisign public key.
    #[error("trusted key file `{path}` is not a usable minisign public key: {reason}. Replace it with a minisign .pub file (`flyte-host plugin trust add KEY.pub`), or remove it.", path = .path.display())]
    BadKeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `plugin trust add` of something that is not a key.
    #[error("cannot trust `{given}`: {reason}. Give a minisign public key file (`minisign -G` writes one, `minisign.pub`) or its base64 key line.")]
    BadKey {
        /// The argument.
        given: String,
        /// What is wrong.
        reason: String,
    },
    /// A key name that cannot be a file name.
    #[error("`{name}` cannot name a trusted key: use letters, digits, `.`, `_`, `-` and `+` only, not starting with `.`")]
    BadName {
        /// The name.
        name: String,
    },
    /// Another key has that name.
    #[error("a different key ({key_id}) is already trusted as '{name}' (`{file}`): choose another --name, or `flyte-host plugin trust remove {name}` first.", file = .file.display())]
    NameTaken {
        /// The name.
        name: String,
        /// The key trusted under it.
        key_id: String,
        /// Its file.
        file: PathBuf,
    },
    /// `plugin trust remove` of a key in the machine-wide directory.
    #[error("trusted key '{name}' is in the machine-wide directory (`{file}`), which an administrator controls: flyte-host does not remove it. Ask your administrator.", file = .file.display())]
    SystemKey {
        /// The name.
        name: String,
        /// Its file.
        file: PathBuf,
    },
    /// `plugin trust remove` of a key that is not trusted.
    #[error("no trusted key is named '{name}' (trusted: {trusted}). `flyte-host plugin trust list` shows them.")]
    NotTrusted {
        /// The name.
        name: String,
        /// The trusted keys.
        trusted: String,
    },
    /// A variable has a value the host cannot use.
    #[error("{variable} is `{value}`, which is not {expected}")]
    BadSetting {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}

impl TrustError {
    fn io(path: &Path, source: std::io::Error) -> TrustError {
        TrustError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_minisigns() {
        // `minisign -G` (0.11) wrote this key, with its id in the comment.
        let key = "RWRPh053o0q7F5IBTa6dZv5pxJeZbEdoK8rMOcBhnCsyThglCws1Mo+e";
        assert_eq!(key_id_of_public_key(key).unwrap(), "17BB4AA3774E874F");
        let pub_file = format!("untrusted comment: minisign public key 17BB4AA3774E874F\n{key}\n");
        assert_eq!(public_key_of_text(&pub_file).unwrap(), key);
        assert!(public_key_of_text("hello").is_err());
        // minisign prints ids without leading zeros (`minisign public key FA6AA4F92900982`).
        let key = "RWSCCZCST6qmD1oP4gDHf2P9Uj9a/cJdeLIL2T/wrZZYMzqRVPcNnXil";
        assert_eq!(key_id_of_public_key(key).unwrap(), "FA6AA4F92900982");
    }

    #[test]
    fn signatures_made_here_verify_and_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("lib.so");
        fs::write(&library, b"the library").unwrap();
        let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let signed = minisign::sign(
            Some(&pair.pk),
            &pair.sk,
            fs::File::open(&library).unwrap(),
            None,
            None,
        )
        .unwrap();
        let signature = Signature::parse(&signed.into_string()).unwrap();
        let public_key = pair.pk.to_base64();
        let key = trusted("k".into(), public_key, dir.path().into(), Scope::User).unwrap();
        assert_eq!(signature.key_id, key.key_id);
        let keys = [key];
        assert!(verify_file(&library, &signature, &keys).is_ok());
        fs::write(&library, b"the library, changed").unwrap();
        assert!(matches!(
            verify_file(&library, &signature, &keys),
            Err(Rejected::Invalid(_))
        ));
        assert!(matches!(
            verify_file(&library, &signature, &[]),
            Err(Rejected::UnknownKey)
        ));
        assert!(Signature::parse("untrusted comment: x\nnot base64\n").is_err());
    }
}

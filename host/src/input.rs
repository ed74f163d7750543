//! Reading the files that come from outside flyte-host (config files, task files, plugin
//! manifests, the lock file, the files a config names) within bounds: a path that is not a file
//! (`/dev/zero`, a terminal, a directory), a file larger than its kind ever is, or YAML nested
//! deeper than any config needs fails at once with a message naming the limit, instead of being
//! read forever or parsed for minutes.
//!
//! Pipes are read too (`--config <(…)`), up to the same limit.

use std::{
    fs,
    io::{self, Read as _},
    path::Path,
};

/// The most flyte-host reads from a config file (flytectl YAML or legacy INI).
pub(crate) const CONFIG_MAX: u64 = 1 << 20;

/// The most flyte-host reads from a task file (a 1,000-task file is about half a MiB).
pub(crate) const TASK_MAX: u64 = 16 << 20;

/// The most flyte-host reads from a plugin manifest (a file or a download).
pub(crate) const MANIFEST_MAX: u64 = 1 << 20;

/// The most flyte-host reads from the plugin directory's lock file (a few hundred bytes a plugin).
pub(crate) const LOCK_MAX: u64 = 4 << 20;

/// The most flyte-host reads from a file a config names: a client secret, a CA certificate bundle.
pub(crate) const NAMED_FILE_MAX: u64 = 1 << 20;

/// How deep lists and mappings may nest in a YAML config file (flytectl's nest three deep). The
/// YAML parser's cost grows with the square of an unclosed flow collection's depth, so the depth
/// is checked before it runs.
pub(crate) const YAML_DEPTH_MAX: usize = 64;

/// The UTF-8 text of file `path`, read only if it is a regular file (or a pipe) of at most `max`
/// bytes. Errors read as a clause for "cannot read … `path`: {error}".
pub(crate) fn read_text(path: &Path, max: u64) -> io::Result<String> {
    utf8(read(path, max)?)
}

/// `bytes` as text, or an error naming the first byte that is not UTF-8.
pub(crate) fn utf8(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte {} is not valid UTF-8)",
                e.utf8_error().valid_up_to() + 1
            ),
        )
    })
}

/// The bytes of file `path`, read only if it is a regular file (or a pipe) of at most `max` bytes.
pub(crate) fn read(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !is_pipe(&meta) {
        check(&meta, max)?;
    }
    read_at_most(file, max, meta.len())
}

/// Everything `reader` gives, or an error as soon as that is more than `max` bytes; `expected`
/// sizes the buffer.
pub(crate) fn read_at_most(reader: impl io::Read, max: u64, expected: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(max)).unwrap_or(0));
    // One byte past the limit tells a pipe, a download (or a file that grew) that is too long.
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max {
        return Err(too_large(max));
    }
    Ok(bytes)
}

/// Checks the metadata of an opened file: a regular file of at most `max` bytes.
pub(crate) fn check(meta: &fs::Metadata, max: u64) -> io::Result<()> {
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", describe(meta)),
        ));
    }
    if meta.len() > max {
        return Err(too_large(max));
    }
    Ok(())
}

/// The error for a file over `max` bytes.
fn too_large(max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "it is larger than {}, the most flyte-host reads from a file of this kind",
            size(max)
        ),
    )
}

/// `max` for people: whole MiB or KiB where it is one.
fn size(max: u64) -> String {
    match max {
        m if m >= 1 << 20 && m % (1 << 20) == 0 => format!("{} MiB", m >> 20),
        m if m >= 1 << 10 && m % (1 << 10) == 0 => format!("{} KiB", m >> 10),
        m => format!("{m} bytes"),
    }
}

#[cfg(unix)]
fn is_pipe(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_pipe(_: &fs::Metadata) -> bool {
    false
}

/// What a path that is not a regular file is, for messages.
fn describe(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let kind = meta.file_type();
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}

/// The line where `text`'s YAML lists and mappings first nest deeper than [`YAML_DEPTH_MAX`], if
/// they do. Text that is not YAML passes: its syntax error is the config parser's to report.
pub(crate) fn yaml_too_deep(text: &str) -> Option<usize> {
    use saphyr_parser::{Event, Parser};
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(event) => event,
            // The scanner's own bound (255 open flow collections), met while it looks ahead.
            Err(e) if e.info() == "recursion limit exceeded" => return Some(e.marker().line()),
            Err(_) => return None,
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > YAML_DEPTH_MAX {
                    return Some(span.start.line());
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// Runs `f`, failing when it takes longer than a bounded input ever should.
    fn quickly<T>(f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let value = f();
        let took = start.elapsed();
        assert!(took < Duration::from_secs(2), "took {took:?}");
        value
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_and_directories_are_refused_at_once() {
        let err = quickly(|| read_text(Path::new("/dev/zero"), CONFIG_MAX)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is a character device, not a regular file"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path(), CONFIG_MAX).unwrap_err();
        assert_eq!(err.to_string(), "it is a directory, not a regular file");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_with_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b'a'; 2048]).unwrap();
        let err = read_text(&path, 1024).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is larger than 1 KiB, the most flyte-host reads from a file of this kind"
        );
        assert_eq!(read_text(&path, 2048).unwrap().len(), 2048);
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                // The reader stops one byte past the limit: a broken pipe is expected here.
                let _ = fs::write(fifo, vec![b'a'; 1 << 20]);
            })
        };
        let err = quickly(|| read_text(&fifo, 1024)).unwrap_err();
        assert!(err.to_string().contains("larger than 1 KiB"), "{err}");
        writer.join().unwrap();
    }

    #[test]
    fn text_that_is_not_utf8_names_the_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1");
        fs::write(&path, b"ab\xe9").unwrap();
        let err = read_text(&path, 1024).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is not UTF-8 text (byte 3 is not valid UTF-8)"
        );
    }

    #[test]
    fn yaml_nesting_is_bounded_and_quick_to_check() {
        assert_eq!(
            yaml_too_deep("admin:\n  endpoint: dns:///x\n  scopes: [a, [b]]\n"),
            None
        );
        let ok = format!("a: {}{}\n", "[".repeat(63), "]".repeat(63));
        assert_eq!(yaml_too_deep(&ok), None);
        let deep = format!("a: 1\nb: {}{}\n", "[".repeat(64), "]".repeat(64));
        assert_eq!(yaml_too_deep(&deep), Some(2));
        // The shape that took the YAML parser half a minute: 100,000 unclosed `[` on one line.
        let unclosed = format!("admin:\n  endpoint: {}", "[".repeat(100_000));
        assert_eq!(quickly(|| yaml_too_deep(&unclosed)), Some(2));
        let braces = "{a: ".repeat(100_000);
        assert_eq!(quickly(|| yaml_too_deep(&braces)), Some(1));
        let block = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>();
        assert_eq!(yaml_too_deep(&block), Some(65));
        assert_eq!(yaml_too_deep("a: [\n"), None);
    }
}

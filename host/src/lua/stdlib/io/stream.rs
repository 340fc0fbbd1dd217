//! The buffered streams behind Lua's file handles: disk files, standard
//! input and error, and the host's output, with C's `FILE*` buffering, the
//! scanning of `read("n")` and seeks that account for both buffers.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::{EBADF, EINVAL, ESPIPE};
use crate::lua::format::{self, Number};
use crate::lua::runtime::Output;

/// Bytes a disk file reads ahead and buffers before writing.
const BUFFER_SIZE: usize = 16 * 1024;

/// Longest string one read format may return; more is "not enough memory"
/// (under a smaller memory budget, the budget is the limit).
pub(super) const MAX_READ: usize = 256 << 20;

/// Longest numeral `read("n")` accepts (Lua's `L_MAXLENNUM`).
const MAX_NUMERAL: usize = 200;

/// Where a stream's bytes go or come from.
pub(super) enum Target {
    Disk(File),
    /// The process's standard input (only under `planhost run`).
    Stdin,
    /// An empty standard input (plans have none).
    NoInput,
    /// The host's output, shared with `print`.
    Output(Output),
    Stderr,
}

/// A file with Lua's `FILE*` behaviour: buffered reads (with look-ahead for
/// `read("n")`), buffered writes to disk, and seeks that account for both.
pub(super) struct Stream {
    target: Target,
    readable: bool,
    writable: bool,
    /// Read-ahead; `rbuf[rpos..]` is not yet consumed.
    rbuf: Vec<u8>,
    rpos: usize,
    /// Writes not yet on disk.
    wbuf: Vec<u8>,
}

fn os_error(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

fn too_large() -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, "not enough memory")
}

impl Stream {
    pub(super) fn new(target: Target, readable: bool, writable: bool) -> Stream {
        Stream { target, readable, writable, rbuf: Vec::new(), rpos: 0, wbuf: Vec::new() }
    }

    pub(super) fn is_standard(&self) -> bool {
        !matches!(self.target, Target::Disk(_))
    }

    fn raw_read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let result = match &mut self.target {
                Target::Disk(file) => file.read(buffer),
                Target::Stdin => io::stdin().read(buffer),
                Target::NoInput => Ok(0),
                Target::Output(_) | Target::Stderr => Err(os_error(EBADF)),
            };
            match result {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    fn raw_write(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Disk(file) => file.write_all(data),
            Target::Output(output) => {
                let mut output = output.lock().unwrap_or_else(|e| e.into_inner());
                output.write_all(data)
            }
            Target::Stderr => io::stderr().write_all(data),
            Target::Stdin | Target::NoInput => Err(os_error(EBADF)),
        }
    }

    /// Makes unread bytes available; false at end of file.
    pub(super) fn fill(&mut self) -> io::Result<bool> {
        if self.rpos < self.rbuf.len() {
            return Ok(true);
        }
        if !self.readable {
            return Err(os_error(EBADF));
        }
        self.flush_writes()?;
        let mut buffer = std::mem::take(&mut self.rbuf);
        buffer.resize(BUFFER_SIZE, 0);
        let result = self.raw_read(&mut buffer);
        let count = *result.as_ref().unwrap_or(&0);
        buffer.truncate(count);
        self.rbuf = buffer;
        self.rpos = 0;
        result.map(|n| n > 0)
    }

    /// The next byte, not consumed.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(if self.fill()? { self.rbuf.get(self.rpos).copied() } else { None })
    }

    /// Takes up to `count` buffered bytes (after a successful `fill`) into
    /// `out`, which may hold at most `limit` bytes: past it, nothing is
    /// taken and the read fails (checked before `out` grows, so a huge
    /// read never holds more than the limit).
    fn take_buffered(&mut self, count: usize, out: &mut Vec<u8>, limit: usize) -> io::Result<()> {
        let available = &self.rbuf[self.rpos..];
        let count = available.len().min(count);
        if out.len() + count > limit {
            return Err(too_large());
        }
        out.extend_from_slice(&available[..count]);
        self.rpos += count;
        Ok(())
    }

    /// The bytes from here to the end of a regular disk file (`None` for
    /// anything else, or while writes are buffered): what a read of
    /// everything would return, to refuse one too large before reading.
    fn bytes_left(&mut self) -> Option<u64> {
        let unread = (self.rbuf.len() - self.rpos) as u64;
        let Target::Disk(file) = &mut self.target else { return None };
        if !self.wbuf.is_empty() {
            return None;
        }
        let metadata = file.metadata().ok().filter(|m| m.is_file())?;
        let position = file.stream_position().ok()?.checked_sub(unread)?;
        Some(metadata.len().saturating_sub(position))
    }

    /// An empty buffer for a read of at most `wanted` bytes: a read that a
    /// regular file's size shows to be over `limit` fails at once, one
    /// that fits gets its room in one allocation.
    fn buffer_for(&mut self, wanted: usize, limit: usize) -> io::Result<Vec<u8>> {
        match self.bytes_left() {
            Some(left) => {
                let size = usize::try_from(left).unwrap_or(usize::MAX).min(wanted);
                if size > limit {
                    return Err(too_large());
                }
                Ok(Vec::with_capacity(size))
            }
            None => Ok(Vec::new()),
        }
    }

    /// A line (`None` at end of file), with its newline if `keep`, of at
    /// most `limit` bytes.
    ///
    /// A line longer than the buffer is kept in buffer-sized pieces until
    /// its end is found, then put together once: one that runs past
    /// `limit` fails having held at most `limit` bytes, never a buffer
    /// doubled on its way there (which held up to twice as much while it
    /// moved, and stayed mapped for a while once freed).
    pub(super) fn read_line(&mut self, keep: bool, limit: usize) -> io::Result<Option<Vec<u8>>> {
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        let mut total = 0usize;
        while self.fill()? {
            let available = &self.rbuf[self.rpos..];
            let newline = available.iter().position(|&b| b == b'\n');
            let count = newline.map_or(available.len(), |at| at + usize::from(keep));
            if total + count > limit {
                return Err(too_large());
            }
            pieces.push(available[..count].to_vec());
            total += count;
            self.rpos += count;
            if newline.is_some() {
                self.rpos += usize::from(!keep);
                return Ok(Some(joined(pieces)));
            }
        }
        Ok((total > 0).then(|| joined(pieces)))
    }

    /// Everything up to the end of the file, at most `limit` bytes.
    pub(super) fn read_all(&mut self, limit: usize) -> io::Result<Vec<u8>> {
        let mut all = self.buffer_for(usize::MAX, limit)?;
        while self.fill()? {
            self.take_buffered(usize::MAX, &mut all, limit)?;
        }
        Ok(all)
    }

    /// Up to `count` bytes (`None` when none are left), failing if that
    /// is over `limit` bytes.
    pub(super) fn read_count(&mut self, count: usize, limit: usize) -> io::Result<Option<Vec<u8>>> {
        // (A small count, read a byte at a time in a loop, say, is not worth
        // asking the file's size for.)
        let mut bytes =
            if count > BUFFER_SIZE { self.buffer_for(count, limit)? } else { Vec::new() };
        while bytes.len() < count && self.fill()? {
            self.take_buffered(count - bytes.len(), &mut bytes, limit)?;
        }
        Ok((!bytes.is_empty()).then_some(bytes))
    }

    /// A numeral as `read("n")` scans it (Lua's `read_number`); the bytes
    /// are consumed even when they do not form a number.
    pub(super) fn read_number(&mut self) -> io::Result<Option<Number>> {
        while let Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') = self.peek()? {
            self.rpos += 1;
        }
        let mut numeral = Numeral { text: Vec::new(), overflow: false };
        numeral.accept(self, b"-+")?;
        let mut count = 0;
        let mut hex = false;
        if numeral.accept(self, b"00")? {
            hex = numeral.accept(self, b"xX")?;
            count = usize::from(!hex);
        }
        count += numeral.digits(self, hex)?;
        if numeral.accept(self, b"..")? {
            count += numeral.digits(self, hex)?;
        }
        if count > 0 && numeral.accept(self, if hex { b"pP" } else { b"eE" })? {
            numeral.accept(self, b"-+")?;
            numeral.digits(self, false)?;
        }
        if numeral.overflow {
            return Ok(None);
        }
        Ok(format::str_to_number(&numeral.text))
    }

    /// Drops the read-ahead, moving the file back to the logical position.
    fn discard_read_ahead(&mut self) -> io::Result<()> {
        let unread = self.rbuf.len() - self.rpos;
        self.rbuf.clear();
        self.rpos = 0;
        match &mut self.target {
            Target::Disk(file) if unread > 0 => {
                let back = i64::try_from(unread).unwrap_or(i64::MAX);
                file.seek(SeekFrom::Current(-back)).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    pub(super) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.writable {
            return Err(os_error(EBADF));
        }
        if self.rpos < self.rbuf.len() {
            self.discard_read_ahead()?;
        }
        if !matches!(self.target, Target::Disk(_)) {
            return self.raw_write(data);
        }
        if self.wbuf.len() + data.len() < BUFFER_SIZE {
            self.wbuf.extend_from_slice(data);
            return Ok(());
        }
        // A large write goes straight to the file, after what is buffered.
        self.flush_writes()?;
        self.raw_write(data)
    }

    pub(super) fn flush_writes(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.wbuf);
        self.raw_write(&pending)
    }

    /// `fflush`: buffered writes reach the file (or the host's output).
    pub(super) fn flush(&mut self) -> io::Result<()> {
        self.flush_writes()?;
        match &mut self.target {
            Target::Output(output) => output.lock().unwrap_or_else(|e| e.into_inner()).flush(),
            Target::Stderr => io::stderr().flush(),
            _ => Ok(()),
        }
    }

    /// `fseek` then `ftell`.
    pub(super) fn seek(&mut self, whence: usize, offset: i64) -> io::Result<u64> {
        if !matches!(self.target, Target::Disk(_)) {
            return Err(os_error(ESPIPE));
        }
        self.flush_writes()?;
        let unread = i64::try_from(self.rbuf.len() - self.rpos).unwrap_or(i64::MAX);
        self.rbuf.clear();
        self.rpos = 0;
        let position = match whence {
            0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| os_error(EINVAL))?),
            1 => SeekFrom::Current(offset.checked_sub(unread).ok_or_else(|| os_error(EINVAL))?),
            _ => SeekFrom::End(offset),
        };
        match &mut self.target {
            Target::Disk(file) => file.seek(position),
            _ => Err(os_error(ESPIPE)),
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.flush_writes();
    }
}

/// The numeral `read_number` collects, at most [`MAX_NUMERAL`] bytes.
struct Numeral {
    text: Vec<u8>,
    overflow: bool,
}

impl Numeral {
    /// Consumes the next byte if it is one of `set` (Lua's `test2`).
    fn accept(&mut self, stream: &mut Stream, set: &[u8; 2]) -> io::Result<bool> {
        match stream.peek()? {
            Some(b) if set.contains(&b) => Ok(self.push(stream, b)),
            _ => Ok(false),
        }
    }

    /// Consumes digits (hexadecimal ones if `hex`); returns how many.
    fn digits(&mut self, stream: &mut Stream, hex: bool) -> io::Result<usize> {
        let mut count = 0;
        while let Some(b) = stream.peek()? {
            let digit = if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
            if !digit || !self.push(stream, b) {
                break;
            }
            count += 1;
        }
        Ok(count)
    }

    /// Lua's `nextc`: keeps the byte unless the numeral is too long.
    fn push(&mut self, stream: &mut Stream, b: u8) -> bool {
        if self.text.len() >= MAX_NUMERAL {
            self.overflow = true;
            return false;
        }
        self.text.push(b);
        stream.rpos += 1;
        true
    }
}

/// The pieces of a line, as one.
fn joined(mut pieces: Vec<Vec<u8>>) -> Vec<u8> {
    if pieces.len() == 1 {
        return pieces.pop().unwrap_or_default();
    }
    pieces.concat()
}

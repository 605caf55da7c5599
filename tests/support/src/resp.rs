//! Just enough of the Redis protocol (RESP2) for the spawners to ask their own servers how they
//! are (`INFO`, `CLUSTER INFO`, `SENTINEL …`) without a client library: one command per
//! connection, blocking, with short timeouts so a paused or dead server answers "no" quickly.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// How long connecting to, writing to or reading from a server may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// One reply, as RESP2 types it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// `+OK` and the like.
    Status(String),
    /// `-ERR …`.
    Error(String),
    /// `:42`.
    Integer(i64),
    /// A bulk string, `None` for the null bulk.
    Bulk(Option<String>),
    /// An array, `None` for the null array.
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The text of a status or bulk reply.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Self::Status(text) | Self::Bulk(Some(text)) => Some(text),
            _ => None,
        }
    }

    /// The value of `name` in an `INFO`-style text (`name:value` lines).
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.text()?.lines().find_map(|line| line.trim_end().strip_prefix(name)?.strip_prefix(':'))
    }
}

/// Sends `args` as one command on loopback `port` and reads the reply.
pub(crate) fn call(port: u16, args: &[&str]) -> io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    call_on(&mut stream, args)
}

/// Sends `args` as one command on an open connection (plain or TLS) and reads the reply.
pub(crate) fn call_on<S: Read + Write>(stream: &mut S, args: &[&str]) -> io::Result<Reply> {
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.write_all(request.as_bytes())?;
    stream.flush()?;
    read_reply(&mut BufReader::new(stream))
}

fn read_reply(reader: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
    }
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at_checked(1).ok_or_else(|| malformed(line))?;
    match kind {
        "+" => Ok(Reply::Status(rest.to_owned())),
        "-" => Ok(Reply::Error(rest.to_owned())),
        ":" => rest.parse().map(Reply::Integer).map_err(|_| malformed(line)),
        "$" => {
            let Ok(length) = usize::try_from(rest.parse::<i64>().map_err(|_| malformed(line))?) else {
                return Ok(Reply::Bulk(None));
            };
            let mut body = vec![0; length + 2];
            reader.read_exact(&mut body)?;
            body.truncate(length);
            String::from_utf8(body).map(|text| Reply::Bulk(Some(text))).map_err(|_| malformed(line))
        }
        "*" => {
            let Ok(count) = usize::try_from(rest.parse::<i64>().map_err(|_| malformed(line))?) else {
                return Ok(Reply::Array(None));
            };
            (0..count).map(|_| read_reply(reader)).collect::<io::Result<_>>().map(|items| Reply::Array(Some(items)))
        }
        _ => Err(malformed(line)),
    }
}

fn malformed(line: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not a RESP2 reply: {line:?}"))
}

//! A private DNS server (the Debian `dnsmasq` binary) for one test: its own UDP/TCP port on
//! loopback, no upstream, no hosts file — it answers only the records the test gives and
//! NXDOMAIN for any other name in its local domain.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running dnsmasq owned by the test, killed when dropped.
pub struct DnsServer {
    port: u16,
    child: Child,
}

impl DnsServer {
    /// Starts dnsmasq authoritative-like for `local_domain` (other names in it are NXDOMAIN)
    /// with `records`, each a dnsmasq option such as `--host-record=web.shop.test,127.0.0.7`,
    /// `--mx-host=shop.test,mail.shop.test,10`, `--txt-record=shop.test,"v=spf1 -all"` or
    /// `--cname=www.shop.test,web.shop.test`; waits until it listens.
    ///
    /// # Panics
    /// If `dnsmasq` is not installed or does not listen within 10 s.
    pub fn start(local_domain: &str, records: &[&str]) -> Self {
        let port = crate::free_port();
        // Debian installs it in /usr/sbin, which is not on every user's PATH.
        let child = Command::new("/usr/sbin/dnsmasq")
            .args(["--keep-in-foreground", "--conf-file=/dev/null", "--pid-file", "--no-resolv", "--no-hosts"])
            .args(["--bind-interfaces", "--listen-address=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--local=/{local_domain}/"))
            .args(records)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "dnsmasq is not installed: run `bash scripts/test.sh` as root or `apt-get install -y dnsmasq-base`",
            );
        let server = Self { port, child };
        server.wait_until_listening();
        server
    }

    /// `127.0.0.1:PORT`, as a resolver's nameserver setting takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            // dnsmasq opens its TCP and UDP sockets together, so TCP accepting means UDP is up.
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("dnsmasq on port {} did not listen within 10 s", self.port);
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

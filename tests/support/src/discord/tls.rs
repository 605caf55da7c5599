//! HTTPS for the REST API. serenity's rate limiter ignores the proxy setting and always calls
//! `https://discord.com`, so to run it against the server a client resolves `discord.com` to the
//! server's TLS port and trusts the self-signed certificate made here for that name. Handshakes
//! complete off the accept loop, so one slow client does not hold up the others.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;

/// The name the certificate is made for: the host serenity sends every request to.
const DISCORD_HOST: &str = "discord.com";
/// Handshakes finished but not yet taken by the server.
const PENDING_CONNECTIONS: usize = 64;

/// A certificate for `discord.com` and the acceptor that serves it.
pub(crate) struct Identity {
    /// The certificate in PEM, for a client to trust: it is its own certificate authority.
    pub(crate) certificate_pem: String,
    acceptor: TlsAcceptor,
}

impl Identity {
    /// Makes a fresh self-signed certificate for `discord.com`, speaking HTTP/1.1 only.
    ///
    /// # Panics
    /// If the key or certificate cannot be made (a broken crypto provider).
    pub(crate) fn discord() -> Self {
        let made = rcgen::generate_simple_self_signed(vec![DISCORD_HOST.to_owned()])
            .expect("make a self-signed certificate for discord.com");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![made.cert.der().clone()], key)
            .expect("the certificate matches its key");
        // The REST server speaks HTTP/1.1 only; saying so keeps clients from trying HTTP/2.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Self { certificate_pem: made.cert.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) }
    }
}

/// A loopback listener that hands axum connections once their TLS handshake is done.
pub(crate) struct TlsListener {
    address: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    accepting: JoinHandle<()>,
}

impl TlsListener {
    /// Binds a free loopback port and starts accepting with `identity`'s certificate.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub(crate) async fn bind(identity: &Identity) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port for HTTPS");
        let address = listener.local_addr().expect("a bound listener has an address");
        let (sender, ready) = mpsc::channel(PENDING_CONNECTIONS);
        let acceptor = identity.acceptor.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let (acceptor, sender) = (acceptor.clone(), sender.clone());
                tokio::spawn(async move {
                    // A failed handshake (a client that does not trust the certificate) only
                    // loses that connection.
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let _ = sender.send((tls, peer)).await;
                    }
                });
            }
        });
        Self { address, ready, accepting }
    }

    /// Where it listens.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task only ends when the listener is dropped; then nothing comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.address)
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

//! Serving an axum router on a free loopback port for as long as a test holds the handle.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A router being served; dropping it stops the server.
pub(crate) struct Served {
    /// Where it listens.
    pub address: SocketAddr,
    task: JoinHandle<()>,
}

impl Served {
    /// Binds a free loopback port and serves `router` on the current runtime.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start(router: Router) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port for a test server");
        let address = listener.local_addr().expect("a bound listener has an address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { address, task }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

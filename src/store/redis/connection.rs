//! The connection behind `RedisStore`, for each deployment a [`Target`] names: one server
//! through redis-rs's connection manager (which reconnects by itself); a Redis Cluster through
//! its async cluster client (which follows MOVED and ASK redirects, and finds a promoted replica
//! after a failover, retrying meanwhile); or the primary a set of sentinels name, asked again
//! when the one in use stops answering as a primary. All three are one `ConnectionLike`, so the
//! store sends the same commands to each.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{MultipleNodeRoutingInfo, RoutingInfo, SingleNodeRoutingInfo};
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{
    Cmd, ErrorKind, IntoConnectionInfo, Pipeline, RedisError, RedisFuture, RedisResult, ServerErrorKind,
    TlsCertificates, TlsMode, Value,
};

use super::target::Target;

/// How long connecting to a node may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one command may wait for its reply.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a command on a Cluster may take with its retries, long enough to ride out a
/// failover that promotes a replica within a few seconds.
const CLUSTER_OVERALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Keys asked for per `SCAN` call.
const SCAN_BATCH: usize = 500;

/// A connection to the store's deployment; cheap to clone, every clone shares it.
#[derive(Clone)]
pub(super) enum Connection {
    /// One server.
    Single(ConnectionManager),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
    /// The primary a set of sentinels name.
    Sentinel(SentinelConnection),
}

impl Connection {
    /// Connects to `target`, trusting the certificate authority `ca` (PEM) for TLS when given
    /// (the system's roots otherwise).
    pub(super) async fn open(target: &Target, ca: Option<Vec<u8>>) -> RedisResult<Self> {
        if target.uses_tls() {
            // redis-rs builds its TLS configuration with the process's default provider; this
            // build's is ring, as for every other TLS client of the bot. Already installed is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let certificates = ca.map(|root| TlsCertificates { client_tls: None, root_cert: Some(root) });
        match target {
            Target::Standalone { url } => {
                let client = match certificates {
                    Some(certificates) => redis::Client::build_with_tls(url.as_str(), certificates)?,
                    None => redis::Client::open(url.as_str())?,
                };
                Ok(Self::Single(ConnectionManager::new_with_config(client, manager_config()).await?))
            }
            Target::Cluster { seeds } => {
                let mut builder = ClusterClientBuilder::new(seeds.iter().map(String::as_str))
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(RESPONSE_TIMEOUT)
                    .overall_response_timeout(Some(CLUSTER_OVERALL_TIMEOUT))
                    // Quick, bounded retries: a failover takes seconds, not minutes.
                    .retries(12)
                    .min_retry_wait(50)
                    .max_retry_wait(1_000);
                if let Some(certificates) = certificates {
                    builder = builder.certs(certificates);
                }
                Ok(Self::Cluster(builder.build()?.get_async_connection().await?))
            }
            Target::Sentinel { sentinels, master, node } => {
                let addresses = sentinels
                    .iter()
                    .map(|url| Ok(url.as_str().into_connection_info()?.addr().clone()))
                    .collect::<RedisResult<Vec<_>>>()?;
                let node = node.as_str().into_connection_info()?;
                let settings = node.redis_settings();
                let mut builder = SentinelClientBuilder::new(addresses, master, SentinelServerType::Master)?
                    .set_client_to_redis_db(settings.db());
                if let Some(username) = settings.username() {
                    builder = builder.set_client_to_redis_username(username);
                }
                if let Some(password) = settings.password() {
                    builder = builder.set_client_to_redis_password(password);
                }
                if target.uses_tls() {
                    builder = builder
                        .set_client_to_redis_tls_mode(TlsMode::Secure)
                        .set_client_to_sentinel_tls_mode(TlsMode::Secure);
                }
                if let Some(certificates) = certificates {
                    builder = builder
                        .set_client_to_redis_certificates(certificates.clone())
                        .set_client_to_sentinel_certificates(certificates);
                }
                let client = builder.build()?;
                Ok(Self::Sentinel(SentinelConnection::open(client).await?))
            }
        }
    }

    /// Every key matching `pattern`, from every primary of a Cluster (`SCAN` walks one node's
    /// keys only) or from the one server otherwise; a key may be listed twice.
    pub(super) async fn scan_match(&self, pattern: &str) -> RedisResult<Vec<String>> {
        match self {
            Self::Cluster(cluster) => {
                let mut cluster = cluster.clone();
                let everywhere = RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None));
                // Without a way to combine the replies, the client answers with one per node,
                // keyed by its address: exactly the list of primaries.
                let primaries = match cluster.route_command(redis::cmd("PING"), everywhere).await? {
                    Value::Map(replies) => replies
                        .into_iter()
                        .map(|(address, _)| redis::from_redis_value::<String>(address).map_err(RedisError::from))
                        .collect::<RedisResult<Vec<_>>>()?,
                    other => return Err(unexpected("the primaries' addresses", &other)),
                };
                let mut keys = Vec::new();
                for address in primaries {
                    let (host, port) = address
                        .rsplit_once(':')
                        .and_then(|(host, port)| Some((host.to_owned(), port.parse().ok()?)))
                        .ok_or_else(|| unexpected("a node address", &Value::SimpleString(address.clone())))?;
                    let node = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
                    let mut cursor = 0_u64;
                    loop {
                        let mut scan = redis::cmd("SCAN");
                        scan.arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(SCAN_BATCH);
                        let (next, batch): (u64, Vec<String>) =
                            redis::from_redis_value(cluster.route_command(scan, node.clone()).await?)
                                .map_err(RedisError::from)?;
                        keys.extend(batch);
                        if next == 0 {
                            break;
                        }
                        cursor = next;
                    }
                }
                Ok(keys)
            }
            Self::Single(_) | Self::Sentinel(_) => {
                let mut connection = self.clone();
                let mut found = redis::AsyncCommands::scan_match::<_, String>(&mut connection, pattern).await?;
                let mut keys = Vec::new();
                while let Some(key) = futures_util::StreamExt::next(&mut found).await {
                    keys.push(key?);
                }
                Ok(keys)
            }
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(connection) => connection.req_packed_command(cmd),
            Self::Cluster(connection) => connection.req_packed_command(cmd),
            Self::Sentinel(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(connection) => connection.req_packed_commands(pipeline, offset, count),
            Self::Cluster(connection) => connection.req_packed_commands(pipeline, offset, count),
            Self::Sentinel(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(connection) => connection.get_db(),
            Self::Cluster(connection) => connection.get_db(),
            Self::Sentinel(connection) => connection.get_db(),
        }
    }
}

/// The primary the sentinels name, through a connection manager that is replaced — after
/// asking the sentinels again — when the primary in use stops answering as one (gone, or
/// demoted to a replica by a failover). The request that found out is sent once more to the
/// new primary; the store's writes are safe to repeat.
#[derive(Clone)]
pub(super) struct SentinelConnection {
    shared: Arc<SentinelShared>,
}

struct SentinelShared {
    /// Asked for the primary; one question at a time.
    sentinels: tokio::sync::Mutex<SentinelClient>,
    /// The primary in use, numbered so that of many requests failing at once only the first
    /// replaces it.
    current: RwLock<(u64, ConnectionManager)>,
}

impl SentinelConnection {
    async fn open(mut sentinels: SentinelClient) -> RedisResult<Self> {
        let primary = ConnectionManager::new_with_config(sentinels.async_get_client().await?, manager_config()).await?;
        let shared =
            SentinelShared { sentinels: tokio::sync::Mutex::new(sentinels), current: RwLock::new((0, primary)) };
        Ok(Self { shared: Arc::new(shared) })
    }

    fn current(&self) -> (u64, ConnectionManager) {
        // Plain data: a panic elsewhere while holding the lock cannot leave it half-written.
        self.shared.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Replaces primary number `failed` with the one the sentinels name now, unless another
    /// request has replaced it already.
    async fn replace(&self, failed: u64) -> RedisResult<()> {
        let mut sentinels = self.shared.sentinels.lock().await;
        if self.current().0 != failed {
            return Ok(());
        }
        let primary = ConnectionManager::new_with_config(sentinels.async_get_client().await?, manager_config()).await?;
        *self.shared.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = (failed + 1, primary);
        Ok(())
    }

    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let (number, mut primary) = self.current();
            match primary.req_packed_command(cmd).await {
                Err(error) if lost_primary(&error) => {
                    self.replace(number).await?;
                    self.current().1.req_packed_command(cmd).await
                }
                result => result,
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let (number, mut primary) = self.current();
            match primary.req_packed_commands(pipeline, offset, count).await {
                Err(error) if lost_primary(&error) => {
                    self.replace(number).await?;
                    self.current().1.req_packed_commands(pipeline, offset, count).await
                }
                result => result,
            }
        })
    }

    fn get_db(&self) -> i64 {
        self.current().1.get_db()
    }
}

/// Whether `error` says the server in use is no longer a reachable primary.
fn lost_primary(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.kind() == ErrorKind::Server(ServerErrorKind::ReadOnly)
}

/// Short timeouts and few reconnect attempts: a turn should report an outage within a couple
/// of seconds rather than hang the channel.
fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500))
}

fn unexpected(what: &str, value: &Value) -> RedisError {
    RedisError::from((ErrorKind::UnexpectedReturnType, "unexpected reply", format!("expected {what}, got {value:?}")))
}

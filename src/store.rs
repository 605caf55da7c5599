//! Implementations of the state port ([`crate::core::ports::Store`]): `RedisStore` is the real
//! one (one server, a Redis Cluster or a Sentinel-managed primary, which several replicas share
//! and which survives restarts); `MemoryStore` is the embedded default for the demo and a
//! console chat without Redis.

pub mod memory;
pub mod redis;

use crate::core::ports::LockToken;

pub use self::memory::MemoryStore;
pub use self::redis::{InvalidTarget, RedisOptions, RedisStore, Target};

/// Version of the stored layout, kept in every incident's `meta`; a newer one is refused.
pub const SCHEMA_VERSION: u32 = 1;

/// A fresh random lock token.
fn new_lock_token() -> LockToken {
    LockToken(format!("{:032x}", rand::random::<u128>()))
}

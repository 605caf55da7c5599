//! The store's Lua scripts. Each touches keys of one hash slot only (every key it names is in
//! `KEYS`, so a Cluster routes it to the node owning them) and does its whole job in one step,
//! so no other client sees half of it. Writes a client may send twice — redis-rs's cluster
//! client resends a request whose connection broke, and the store retries once on a new
//! Sentinel primary — are made safe to repeat: by a marker (`WRITE`) or by comparing with a
//! token only the caller knows (`CLAIM`, `DELETE_IF_EQUAL`, `CLAIM_CHANNEL`).
//!
//! Scripts go as `EVAL` with their source, not `EVALSHA`: a replica promoted by a failover has
//! no script cache, and the server caches the compiled script by its text anyway.

use redis::{Cmd, ToRedisArgs};

/// A Lua script with its source.
pub(super) struct Lua(&'static str);

impl Lua {
    /// `EVAL` of this script with `keys` and `args`.
    pub(super) fn call(&self, keys: &[&str], args: impl ToRedisArgs) -> Cmd {
        let mut command = redis::cmd("EVAL");
        command.arg(self.0).arg(keys.len()).arg(keys).arg(args);
        command
    }
}

/// Applies one write to an incident once. KEYS: the write's marker, `meta`, `timeline`,
/// `evidence`, `alerts`. ARGV: the marker's lifetime (ms); how many field/value strings of the
/// record follow (0 leaves the record alone; otherwise it is replaced whole) and those strings;
/// how many fingerprint/state strings of alert states follow (each set, the others kept) and
/// those; how many evidence items follow and those items; then the timeline entries. Returns 1
/// when written, 0 when the marker says this very write was applied before.
pub(super) const WRITE: Lua = Lua(r"
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local at = 2
local function section()
  local count = tonumber(ARGV[at])
  local first = at + 1
  at = first + count
  return first, count
end
local first, count = section()
if count > 0 then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], unpack(ARGV, first, first + count - 1))
end
first, count = section()
if count > 0 then redis.call('HSET', KEYS[5], unpack(ARGV, first, first + count - 1)) end
first, count = section()
for i = first, first + count - 1 do redis.call('RPUSH', KEYS[4], ARGV[i]) end
for i = at, #ARGV do redis.call('XADD', KEYS[3], '*', 'entry', ARGV[i]) end
return 1
");

/// Takes KEYS[1] for the holder ARGV[1] for ARGV[2] ms unless another holder has it. Returns 1
/// when the caller holds it (also when a repeat of the same claim finds it already the
/// caller's), 0 when someone else does: a lock, or an event marked as handled.
pub(super) const CLAIM: Lua = Lua(r"
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then return 1 end
return 0
");

/// Deletes KEYS[1] only while it holds ARGV[1]: a lock released only by its owner, a channel
/// unbound only from the incident it points at. Returns 1 when deleted.
pub(super) const DELETE_IF_EQUAL: Lua = Lua(r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
");

/// Keeps the digest ARGV[1] covering ARGV[2] entries in the hash KEYS[1] unless the one there
/// covers as many or more, compared and written in one step so two replicas folding at once
/// keep the wider one. Returns 1 when kept.
pub(super) const KEEP_DIGEST: Lua = Lua(r"
local stored = tonumber(redis.call('HGET', KEYS[1], 'covers') or '-1')
if tonumber(ARGV[2]) > stored then
  redis.call('HSET', KEYS[1], 'text', ARGV[1], 'covers', ARGV[2])
  return 1
end
return 0
");

/// Appends every ARGV after the first to the stream KEYS[1], each as the field ARGV[1], all or
/// none: a batch of knowledge records.
pub(super) const APPEND_ALL: Lua = Lua(r"
for i = 2, #ARGV do redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[i]) end
return #ARGV - 1
");

/// Binds the alert group KEYS[1] to incident ARGV[1] unless it is bound to another incident
/// than ARGV[2] (the one being replaced, or empty); returns the incident bound afterwards, so
/// of two replicas opening the group at once one binds it and the other learns which won (and a
/// repeat of the winning call finds it bound to its own incident).
pub(super) const BIND_GROUP: Lua = Lua(r"
local bound = redis.call('GET', KEYS[1])
if not bound or bound == ARGV[2] or bound == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return bound
");

/// Binds the channel KEYS[1] as ARGV[2] only while it is bound as ARGV[1] (empty: unbound), so
/// of replicas that judged the same binding free only one takes the channel; returns the
/// binding afterwards (a repeat of the winning call finds its own).
pub(super) const CLAIM_CHANNEL: Lua = Lua(r"
local bound = redis.call('GET', KEYS[1]) or ''
if bound == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return ARGV[2]
end
return bound
");

/// Keeps the change ARGV[1] at time ARGV[2] in the sorted set KEYS[1], trimmed to the newest
/// ARGV[3]: the same change is the same member, so keeping it twice keeps it once.
pub(super) const KEEP_CHANGE: Lua = Lua(r"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
return 1
");

/// Sets the field ARGV[1] of the hash KEYS[1] to ARGV[2] unless it holds another value;
/// returns 1 when it holds ARGV[2] afterwards: the first post of an anchor is kept.
pub(super) const KEEP_FIRST: Lua = Lua(r"
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then return 1 end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 1 end
return 0
");

/// Takes one edit of the budget KEYS[1] (a sorted set of edits by time, ms): at ARGV[1], within
/// a window of ARGV[2] ms, at most ARGV[3] edits; ARGV[4] names this edit. Returns -1 when
/// taken (also when this very edit was taken before), otherwise when the oldest edit leaves the
/// window. Counted and taken in one step, so replicas editing at once share one budget.
pub(super) const TAKE_EDIT: Lua = Lua(r"
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return -1 end
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window
");

//! Who a message mentions and who it would ping. Discord finds `<@id>` and `<@!id>` (users),
//! `<@&id>` (roles) and `@everyone` or `@here` in the content, then lets the message's
//! `allowed_mentions` decide which of them notify:
//!
//! - no `allowed_mentions`: every mention in the content pings, and a reply pings the author of
//!   the message it answers;
//! - `parse` lists the kinds (`users`, `roles`, `everyone`) that ping wherever they appear, so
//!   `"parse": []` pings nobody;
//! - `users` and `roles` list the ids that may ping besides (at most 100 each, and not together
//!   with the same kind in `parse`);
//! - `replied_user: true` is needed for a reply to ping its author once `allowed_mentions` is
//!   given.
//!
//! The stored message's `mentions`, `mention_roles` and `mention_everyone` hold what pings.

use serde_json::Value;

use super::error::{FormErrors, path};
use super::payloads::parse_id;
use super::records::Pings;

/// Ids one `users` or `roles` list of `allowed_mentions` may hold.
const MAX_ALLOWED_IDS: usize = 100;
/// The kinds `allowed_mentions.parse` may name.
const PARSE_KINDS: [&str; 3] = ["users", "roles", "everyone"];

/// The mentions found in a message's content, each id once, in order of appearance.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Mentions {
    pub(crate) users: Vec<u64>,
    pub(crate) roles: Vec<u64>,
    pub(crate) everyone: bool,
}

/// Reads the mention tokens of `content`. Ids are not checked against any guild here.
pub(crate) fn parse(content: &str) -> Mentions {
    let mut mentions =
        Mentions { everyone: content.contains("@everyone") || content.contains("@here"), ..Mentions::default() };
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let (is_role, digits_from) = match rest.as_bytes().first() {
            Some(b'&') => (true, 1),
            Some(b'!') => (false, 1),
            _ => (false, 0),
        };
        let candidate = &rest[digits_from..];
        let Some(end) = candidate.find('>') else { break };
        let Ok(id) = candidate[..end].parse::<u64>() else { continue };
        let list = if is_role { &mut mentions.roles } else { &mut mentions.users };
        if !list.contains(&id) {
            list.push(id);
        }
        rest = &candidate[end + 1..];
    }
    mentions
}

/// Checks a body's `allowed_mentions` (under `prefix`) as Discord does: known `parse` kinds, at
/// most 100 ids per list, and no list of ids for a kind `parse` already names.
pub(crate) fn check_allowed(body: &Value, prefix: &[String], errors: &mut FormErrors) {
    let Some(allowed) = body.get("allowed_mentions").filter(|allowed| !allowed.is_null()) else { return };
    let at = path(prefix, &["allowed_mentions"]);
    let parse = allowed.get("parse").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (index, kind) in parse.iter().enumerate() {
        if !kind.as_str().is_some_and(|kind| PARSE_KINDS.contains(&kind)) {
            let message = format!("Value must be one of {PARSE_KINDS:?}.");
            errors.add(&path(&at, &["parse", &index.to_string()]), "BASE_TYPE_CHOICES", message);
        }
    }
    for kind in ["users", "roles"] {
        let Some(ids) = allowed.get(kind).and_then(Value::as_array) else { continue };
        if ids.len() > MAX_ALLOWED_IDS {
            errors.too_long(&path(&at, &[kind]), MAX_ALLOWED_IDS);
        }
        if !ids.is_empty() && parse.iter().any(|parsed| parsed.as_str() == Some(kind)) {
            errors.add(
                &at,
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                format!("parse:[\"{kind}\"] and {kind}: [ids...] are mutually exclusive."),
            );
        }
    }
}

/// Who a message with `content` pings under `allowed_mentions` (`None` when the body had none);
/// `replied_author` is the author of the message it replies to, if any. `user_exists` and
/// `role_exists` keep ids that name nobody out, as Discord does.
pub(crate) fn pings(
    content: &str,
    allowed_mentions: Option<&Value>,
    replied_author: Option<u64>,
    user_exists: impl Fn(u64) -> bool,
    role_exists: impl Fn(u64) -> bool,
) -> Pings {
    let found = parse(content);
    let allowed = allowed_mentions.filter(|allowed| !allowed.is_null());
    let parses = |kind: &str| {
        allowed.is_none_or(|allowed| {
            allowed.get("parse").and_then(Value::as_array).is_some_and(|parse| parse.iter().any(|p| p == kind))
        })
    };
    let listed = |kind: &str, id: u64| {
        allowed
            .and_then(|allowed| allowed.get(kind))
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.iter().any(|listed| parse_id(listed) == Some(id)))
    };
    let mut users: Vec<u64> = found
        .users
        .into_iter()
        .filter(|user| user_exists(*user) && (parses("users") || listed("users", *user)))
        .collect();
    let replied_pings =
        allowed.is_none_or(|allowed| allowed.get("replied_user").and_then(Value::as_bool) == Some(true));
    if let Some(author) = replied_author.filter(|author| replied_pings && !users.contains(author)) {
        users.push(author);
    }
    let roles = found
        .roles
        .into_iter()
        .filter(|role| role_exists(*role) && (parses("roles") || listed("roles", *role)))
        .collect();
    Pings { everyone: found.everyone && parses("everyone"), users, roles }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ping(content: &str, allowed: Option<Value>, replied: Option<u64>) -> Pings {
        pings(content, allowed.as_ref(), replied, |_| true, |_| true)
    }

    #[test]
    fn users_roles_and_everyone_are_found_once_each() {
        let found = parse("<@12> and <@!34> page <@&56>, again <@12> @here <@nope> <@78");
        assert_eq!(found, Mentions { users: vec![12, 34], roles: vec![56], everyone: true });
    }

    #[test]
    fn plain_text_mentions_nobody() {
        assert_eq!(parse("email me at ops@example.com"), Mentions::default());
    }

    #[test]
    fn without_allowed_mentions_everything_in_the_content_pings_and_so_does_the_replied_author() {
        let pinged = ping("<@1> <@&2> @everyone", None, Some(3));
        assert_eq!(pinged, Pings { everyone: true, users: vec![1, 3], roles: vec![2] });
    }

    #[test]
    fn an_empty_parse_list_pings_nobody() {
        let pinged = ping("<@1> <@&2> @here", Some(json!({ "parse": [] })), Some(3));
        assert_eq!(pinged, Pings::default());
    }

    #[test]
    fn explicit_lists_let_only_the_listed_ids_ping() {
        let allowed = json!({ "parse": ["everyone"], "users": ["1"], "roles": [], "replied_user": true });
        let pinged = ping("<@1> <@4> <@&2> @everyone", Some(allowed), Some(3));
        assert_eq!(pinged, Pings { everyone: true, users: vec![1, 3], roles: vec![] });
    }

    #[test]
    fn unknown_users_and_roles_ping_nobody() {
        let pinged = pings("<@1> <@2> <@&3>", None, None, |user| user == 2, |_| false);
        assert_eq!(pinged, Pings { everyone: false, users: vec![2], roles: vec![] });
    }

    fn allowed_errors(body: &Value) -> Value {
        let mut errors = FormErrors::default();
        check_allowed(body, &[], &mut errors);
        errors.into_result().map_or_else(|error| error.body["errors"].clone(), |()| Value::Null)
    }

    #[test]
    fn allowed_mentions_are_checked_like_discord() {
        assert_eq!(allowed_errors(&json!({ "allowed_mentions": { "parse": ["users"], "roles": ["1"] } })), Value::Null);
        let many: Vec<String> = (0..101).map(|id| id.to_string()).collect();
        let body = json!({ "allowed_mentions": { "parse": ["users", "channels"], "users": ["1"], "roles": many } });
        let errors = allowed_errors(&body);
        let allowed = &errors["allowed_mentions"];
        assert_eq!(allowed["parse"]["1"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
        assert_eq!(allowed["roles"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        assert_eq!(allowed["_errors"][0]["code"], "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE");
    }
}

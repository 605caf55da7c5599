//! Finds who a message mentions, as Discord does when it stores a message: `<@id>` and `<@!id>`
//! for users, `<@&id>` for roles, and `@everyone` or `@here`.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_roles_and_everyone_are_found_once_each() {
        let found = parse("<@12> and <@!34> page <@&56>, again <@12> @here <@nope> <@78");
        assert_eq!(found, Mentions { users: vec![12, 34], roles: vec![56], everyone: true });
    }

    #[test]
    fn plain_text_mentions_nobody() {
        assert_eq!(parse("email me at ops@example.com"), Mentions::default());
    }
}

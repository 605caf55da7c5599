//! Checks that every payload the server sends reads back through serenity 0.12.5's own model
//! types. A gateway event whose data serenity cannot read becomes `Event::Unknown` and silently
//! never reaches the bot, so each dispatch and each REST answer is deserialized here.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::application::{Command, CommandDataOptionValue, CurrentApplicationInfo, Interaction};
use serenity::model::channel::{GuildChannel, Message};
use serenity::model::event::{Event, GatewayEvent};
use serenity::model::gateway::BotGateway;
use serenity::model::guild::{Member, Role};
use serenity::model::id::RoleId;
use serenity::model::user::CurrentUser;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::Options;
use super::payloads;
use super::sessions::Outgoing;
use super::state::{NewMessage, State};

/// Every intent bit serenity knows, so every event is dispatched.
const ALL_INTENTS: u64 = (1 << 26) - 1;

fn read<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|error| panic!("serenity cannot read {}: {error}\n{value:#}", std::any::type_name::<T>()))
}

/// Reads every queued frame as serenity's gateway reader does and returns the events by name.
fn events(queue: &mut UnboundedReceiver<Outgoing>) -> Vec<(String, Event)> {
    let mut events = Vec::new();
    while let Ok(Outgoing::Text(text)) = queue.try_recv() {
        let frame: Value = serde_json::from_str(&text).unwrap();
        let name = frame["t"].as_str().unwrap().to_owned();
        match serde_json::from_str::<GatewayEvent>(&text) {
            Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => panic!("serenity reads {name} as Unknown: {frame:#}"),
            Ok(GatewayEvent::Dispatch(_, event)) => events.push((name, event)),
            Ok(other) => panic!("{name} is not a dispatch: {other:?}"),
            Err(error) => panic!("serenity cannot read {name}: {error}\n{frame:#}"),
        }
    }
    events
}

fn connected_state() -> (State, UnboundedReceiver<Outgoing>) {
    let mut state = State::new(Options::default(), "token", "http://127.0.0.1:9");
    let (sender, queue) = mpsc::unbounded_channel();
    state.sessions.open("session", ALL_INTENTS, 1, sender);
    (state, queue)
}

#[test]
fn ready_and_guild_create_are_read_with_everything_in_them() {
    let (mut state, mut queue) = connected_state();
    let oncall = state.add_role("oncall", 0);
    let alice = state.add_member("alice", &[oncall]);
    let category = super::payloads::parse_id(&state.add_channel(4, "Incidents", None, None)["id"]).unwrap();
    let channel = state.add_channel(0, "Incident 42", Some(category), Some("API down"));
    let channel_id = payloads::parse_id(&channel["id"]).unwrap();
    state.add_thread(channel_id, None, "timeline", 11, 1440);
    events(&mut queue);

    let ready = state.ready("session", &json!([0, 1]));
    state.sessions.dispatch_to("session", "READY", &ready);
    let guild = state.guild_create();
    state.sessions.dispatch_to("session", "GUILD_CREATE", &guild);
    let events = events(&mut queue);
    let [(_, Event::Ready(ready)), (_, Event::GuildCreate(guild))] = events.as_slice() else {
        panic!("expected READY then GUILD_CREATE, got {events:?}");
    };
    assert_eq!(ready.ready.user.id.get(), state.config.bot_user_id);
    assert!(ready.ready.user.bot);
    assert_eq!(ready.ready.application.id.get(), state.config.application_id);
    let guild = &guild.guild;
    assert_eq!(guild.id.get(), state.config.guild_id);
    assert_eq!(guild.channels.len(), 2);
    assert_eq!(guild.threads.len(), 1);
    assert_eq!(
        guild.channels.values().find(|channel| channel.kind == serenity::all::ChannelType::Text).unwrap().name,
        "incident-42"
    );
    assert!(guild.members.contains_key(&alice.into()));
    let bot = &guild.members[&state.config.bot_user_id.into()];
    #[allow(deprecated)]
    let bot_permissions = guild.member_permissions(bot);
    assert!(bot_permissions.administrator() && bot_permissions.send_messages());
    let everyone = &guild.roles[&state.config.guild_id.into()];
    assert!(everyone.permissions.send_messages() && !everyone.permissions.administrator());
}

#[test]
fn every_dispatch_reads_as_its_event() {
    let (mut state, mut queue) = connected_state();
    let role = state.add_role("incident-commander", 1 << 5);
    let alice = state.add_member("alice", &[role]);
    let channel = state.add_channel(0, "ops", None, None);
    let channel_id = payloads::parse_id(&channel["id"]).unwrap();
    let bot = state.config.bot_user_id;
    let content = format!("<@{bot}> <@&{role}> the API is down");
    let body = json!({ "content": content });
    let posted = state.create_message(NewMessage {
        channel_id,
        author_id: alice,
        body: &body,
        files: &[],
        kind: 0,
        flags: 0,
        reply_to: None,
        interaction: None,
    });
    let posted_id = payloads::parse_id(&posted["id"]).unwrap();
    let reply = json!({ "content": "on it", "embeds": [{ "title": "Incident", "fields": [{ "name": "Severity", "value": "SEV1" }] }] });
    state.create_message(NewMessage {
        channel_id,
        author_id: bot,
        body: &reply,
        files: &[],
        kind: 19,
        flags: 0,
        reply_to: Some(posted_id),
        interaction: None,
    });
    state.edit_message(posted_id, &json!({ "content": "edited" }), &[]);
    state.add_thread(channel_id, Some(posted_id), "timeline", 11, 60);
    let options = json!([{ "name": "declare", "type": 1, "options": [
        { "name": "title", "type": 3, "value": "API down" },
        { "name": "commander", "type": 6, "value": alice.to_string() },
        { "name": "severity", "type": 4, "value": 1 },
    ]}]);
    state.invoke_command(channel_id, alice, "incident", options);

    let events = events(&mut queue);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "GUILD_ROLE_CREATE",
            "GUILD_MEMBER_ADD",
            "CHANNEL_CREATE",
            "MESSAGE_CREATE",
            "MESSAGE_CREATE",
            "MESSAGE_UPDATE",
            "THREAD_CREATE",
            "INTERACTION_CREATE"
        ]
    );
    let Event::MessageCreate(create) = &events[3].1 else { unreachable!() };
    let message = &create.message;
    assert_eq!(message.guild_id.map(|id| id.get()), Some(state.config.guild_id));
    assert_eq!(message.member.as_ref().unwrap().roles, vec![RoleId::new(role)]);
    assert_eq!(message.mentions.iter().map(|user| user.id.get()).collect::<Vec<_>>(), [bot]);
    assert_eq!(message.mention_roles, vec![RoleId::new(role)]);
    let Event::MessageCreate(create) = &events[4].1 else { unreachable!() };
    assert_eq!(create.message.referenced_message.as_ref().unwrap().id.get(), posted_id);
    assert_eq!(create.message.embeds[0].fields[0].value, "SEV1");
    let Event::ThreadCreate(thread) = &events[6].1 else { unreachable!() };
    assert_eq!(thread.thread.id.get(), posted_id);
    assert!(thread.thread.thread_metadata.is_some());
    let Event::InteractionCreate(created) = &events[7].1 else { unreachable!() };
    let Interaction::Command(command) = &created.interaction else { panic!("not a command: {created:?}") };
    assert_eq!(command.data.name, "incident");
    let member = command.member.as_ref().unwrap();
    assert_eq!(member.user.id.get(), alice);
    assert!(member.permissions.unwrap().manage_guild());
    let CommandDataOptionValue::SubCommand(options) = &command.data.options[0].value else { panic!() };
    assert_eq!(options[0].value.as_str(), Some("API down"));
    let resolved = command.data.options();
    let serenity::all::ResolvedValue::SubCommand(resolved) = &resolved[0].value else { panic!() };
    assert!(matches!(resolved[1].value, serenity::all::ResolvedValue::User(user, Some(_)) if user.id.get() == alice));
}

#[test]
fn rest_answers_read_as_their_models() {
    let (mut state, _queue) = connected_state();
    let role = state.add_role("oncall", 0);
    let alice = state.add_member("alice", &[role]);
    let channel: GuildChannel = read(&state.add_channel(0, "ops", None, Some("where it happens")));
    let thread: GuildChannel = read(&state.add_thread(channel.id.get(), None, "notes", 12, 4320));
    assert_eq!(thread.parent_id, Some(channel.id));
    let roles: Vec<Role> = read(&Value::Array(state.roles_json()));
    assert_eq!(roles.len(), 3);
    let member: Member = read(&state.member_json(alice, true).unwrap());
    assert_eq!(member.roles, vec![RoleId::new(role)]);
    let me: CurrentUser = read(&state.current_user());
    assert!(me.bot);
    let application: CurrentApplicationInfo = read(&state.application());
    assert_eq!(application.id.get(), state.config.application_id);
    let _: BotGateway = read(&payloads::bot_gateway(&state.config));
    let definitions = json!([{ "name": "incident", "description": "Incidents", "type": 1, "options": [
        { "type": 1, "name": "declare", "description": "Declare", "options": [
            { "type": 3, "name": "title", "description": "Title", "required": true }
        ]}
    ], "default_member_permissions": "32" }]);
    let stored = state.overwrite_commands(Some(state.config.guild_id), definitions.as_array().unwrap());
    let commands: Vec<Command> = read(&Value::Array(stored));
    assert_eq!(commands[0].options[0].options[0].name, "title");
    let interaction = state.invoke_command(channel.id.get(), alice, "incident", Value::Null);
    let metadata = state.interaction_metadata(interaction.id, None);
    let body = json!({ "content": "Declared" });
    let response: Message = read(&state.create_message(NewMessage {
        channel_id: channel.id.get(),
        author_id: state.config.bot_user_id,
        body: &body,
        files: &[],
        kind: 20,
        flags: 64,
        reply_to: None,
        interaction: Some(metadata),
    }));
    assert!(response.interaction_metadata.is_some());
    assert!(response.webhook_id.is_some());
}

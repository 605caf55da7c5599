//! Checks that every payload the server sends reads back through serenity 0.12.5's own model
//! types. A gateway event whose data serenity cannot read becomes `Event::Unknown` and silently
//! never reaches the bot, so each dispatch and each REST answer is deserialized here.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::application::{
    ActionRowComponent, Command, CommandDataOptionValue, ComponentInteractionDataKind, CurrentApplicationInfo,
    Interaction, MessageInteractionMetadata,
};
use serenity::model::channel::{ChannelType, GuildChannel, Message, MessageType};
use serenity::model::event::{Event, GatewayEvent};
use serenity::model::gateway::BotGateway;
use serenity::model::guild::{Member, Role};
use serenity::model::id::{RoleId, UserId};
use serenity::model::user::CurrentUser;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::Options;
use super::payloads::{self, AUTOCOMPLETE, COMMAND};
use super::records::InteractionCallback;
use super::sessions::Outgoing;
use super::state::{ChannelEdit, NewMessage, NewThread, State};

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

fn id(value: &Value) -> u64 {
    payloads::parse_id(&value["id"]).unwrap()
}

fn thread(parent_id: u64, from_message: Option<u64>, kind: u8, owner_id: u64) -> NewThread<'static> {
    NewThread { parent_id, from_message, name: "timeline", kind, auto_archive_duration: 1440, owner_id }
}

/// Stores `body` as a message of `author` in `channel`.
fn message(state: &mut State, channel_id: u64, author_id: u64, body: &Value) -> Value {
    state.create_message(NewMessage {
        channel_id,
        author_id,
        body,
        files: &[],
        kind: 0,
        flags: 0,
        reply_to: None,
        interaction: None,
    })
}

/// Notes a callback of `kind` with `data`, as the REST handler does once it accepted one.
fn answer(state: &mut State, interaction_id: u64, kind: u8, data: Value) {
    let interaction = state.interaction_mut(interaction_id).unwrap();
    interaction.callbacks.push(InteractionCallback { kind, data, after: std::time::Duration::ZERO });
}

#[test]
fn ready_and_guild_create_are_read_with_everything_in_them() {
    let (mut state, mut queue) = connected_state();
    let guild_id = state.config.guild_id;
    let oncall = state.add_role(guild_id, "oncall", 0);
    let alice = state.add_member(guild_id, "alice", &[oncall]);
    let category = id(&state.add_channel(guild_id, 4, "Incidents", None, None));
    let channel = state.add_channel(guild_id, 0, "Incident 42", Some(category), Some("API down"));
    state.add_thread(thread(id(&channel), None, 11, alice));
    events(&mut queue);

    let ready = state.ready("session", &json!([0, 1]));
    state.sessions.dispatch_to("session", "READY", &ready);
    let guild = state.guild_create(guild_id);
    state.sessions.dispatch_to("session", "GUILD_CREATE", &guild);
    let events = events(&mut queue);
    let [(_, Event::Ready(ready)), (_, Event::GuildCreate(guild))] = events.as_slice() else {
        panic!("expected READY then GUILD_CREATE, got {events:?}");
    };
    assert_eq!(ready.ready.user.id.get(), state.config.bot_user_id);
    assert!(ready.ready.user.bot);
    assert_eq!(ready.ready.application.id.get(), state.config.application_id);
    let guild = &guild.guild;
    assert_eq!(guild.id.get(), guild_id);
    assert_eq!(guild.channels.len(), 2);
    assert_eq!(guild.threads.len(), 1);
    assert_eq!(guild.channels.values().find(|channel| channel.kind == ChannelType::Text).unwrap().name, "incident-42");
    assert!(guild.members.contains_key(&alice.into()));
    let bot = &guild.members[&state.config.bot_user_id.into()];
    #[allow(deprecated)]
    let bot_permissions = guild.member_permissions(bot);
    assert!(bot_permissions.administrator() && bot_permissions.send_messages());
    let everyone = &guild.roles[&guild_id.into()];
    assert!(everyone.permissions.send_messages() && !everyone.permissions.administrator());
}

#[test]
fn a_second_guild_arrives_as_guild_create_with_only_its_own_things() {
    let (mut state, mut queue) = connected_state();
    let first = state.config.guild_id;
    let first_channel = id(&state.add_channel(first, 0, "ops", None, None));
    events(&mut queue);

    let second = state.add_guild("Second Guild");
    let role = state.add_role(second, "sre", 0);
    let bob = state.add_member(second, "bob", &[role]);
    let channel = id(&state.add_channel(second, 0, "alerts", None, None));
    let interaction = state.command_interaction(COMMAND, channel, bob, "incident", Value::Null);
    let ready = state.ready("session", &json!([0, 1]));

    let events = events(&mut queue);
    let Event::GuildCreate(created) = &events[0].1 else { panic!("expected GUILD_CREATE, got {events:?}") };
    let guild = &created.guild;
    assert_eq!((guild.id.get(), guild.name.as_str()), (second, "Second Guild"));
    assert_eq!(guild.channels.len(), 0);
    assert!(guild.members.contains_key(&state.config.bot_user_id.into()));
    assert!(guild.roles.contains_key(&second.into()), "its own @everyone");
    let Event::InteractionCreate(created) = &events.last().unwrap().1 else { panic!("expected the command") };
    let Interaction::Command(command) = &created.interaction else { panic!("not a command") };
    assert_eq!((command.guild_id.unwrap().get(), command.id.get()), (second, interaction.id));
    assert_eq!(command.member.as_ref().unwrap().roles, vec![RoleId::new(role)]);
    assert_eq!(ready["guilds"].as_array().unwrap().len(), 2);
    let first_guild: serenity::model::guild::Guild = read(&state.guild_create(first));
    assert!(first_guild.channels.contains_key(&first_channel.into()));
    assert!(!first_guild.members.contains_key(&bob.into()), "bob is in the second guild only");
}

#[test]
fn every_dispatch_reads_as_its_event() {
    let (mut state, mut queue) = connected_state();
    let guild_id = state.config.guild_id;
    let role = state.add_role(guild_id, "incident-commander", 1 << 5);
    let alice = state.add_member(guild_id, "alice", &[role]);
    let channel_id = id(&state.add_channel(guild_id, 0, "ops", None, None));
    let bot = state.config.bot_user_id;
    let posted =
        message(&mut state, channel_id, alice, &json!({ "content": format!("<@{bot}> <@&{role}> the API is down") }));
    let posted_id = id(&posted);
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
    state.add_thread(thread(channel_id, Some(posted_id), 11, bot));
    let options = json!([{ "name": "declare", "type": 1, "options": [
        { "name": "title", "type": 3, "value": "API down" },
        { "name": "commander", "type": 6, "value": alice.to_string() },
        { "name": "severity", "type": 4, "value": 1 },
    ]}]);
    state.command_interaction(COMMAND, channel_id, alice, "incident", options);

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
    assert_eq!(message.guild_id.map(|id| id.get()), Some(guild_id));
    assert_eq!(message.member.as_ref().unwrap().roles, vec![RoleId::new(role)]);
    assert_eq!(message.mentions.iter().map(|user| user.id.get()).collect::<Vec<_>>(), [bot]);
    assert_eq!(message.mention_roles, vec![RoleId::new(role)]);
    let Event::MessageCreate(create) = &events[4].1 else { unreachable!() };
    assert_eq!(create.message.referenced_message.as_ref().unwrap().id.get(), posted_id);
    assert_eq!(create.message.embeds[0].fields[0].value, "SEV1");
    assert_eq!(create.message.mentions[0].id.get(), alice, "a reply pings its author by default");
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
fn threads_forum_posts_channel_edits_and_pins_read_as_their_events() {
    let (mut state, mut queue) = connected_state();
    let guild_id = state.config.guild_id;
    let alice = state.add_member(guild_id, "alice", &[]);
    let bot = state.config.bot_user_id;
    let ops = id(&state.add_channel(guild_id, 0, "ops", None, Some("where it happens")));
    let forum = id(&state.add_channel(guild_id, 15, "postmortems", None, None));
    let pinned = id(&message(&mut state, ops, bot, &json!({ "content": "runbook: restart the pool" })));
    events(&mut queue);

    let post = state.add_forum_post(forum, alice, "INC-7 postmortem", &json!({ "content": "what happened" }), 4320);
    let timeline = state.add_thread(thread(ops, None, 11, bot));
    let timeline_id = id(&timeline);
    let archive = ChannelEdit { archived: Some(true), locked: Some(true), ..ChannelEdit::default() };
    state.edit_channel(timeline_id, &archive);
    state.edit_channel(
        ops,
        &ChannelEdit { name: Some("Incident 7"), topic: Some(Some("API down")), ..ChannelEdit::default() },
    );
    state.pin(ops, pinned, bot);

    let post: GuildChannel = read(&post);
    assert_eq!((post.kind, post.parent_id.map(|id| id.get())), (ChannelType::PublicThread, Some(forum)));
    let events = events(&mut queue);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "THREAD_CREATE",
            "MESSAGE_CREATE",
            "THREAD_CREATE",
            "THREAD_UPDATE",
            "CHANNEL_UPDATE",
            "MESSAGE_UPDATE",
            "CHANNEL_PINS_UPDATE",
            "MESSAGE_CREATE"
        ]
    );
    let Event::MessageCreate(starter) = &events[1].1 else { unreachable!() };
    assert_eq!((starter.message.id.get(), starter.message.channel_id.get()), (post.id.get(), post.id.get()));
    let Event::ThreadUpdate(update) = &events[3].1 else { unreachable!() };
    let metadata = update.thread.thread_metadata.unwrap();
    assert!(metadata.archived && metadata.locked);
    let Event::ChannelUpdate(update) = &events[4].1 else { unreachable!() };
    let renamed = &update.channel;
    assert_eq!((renamed.name.as_str(), renamed.topic.as_deref()), ("incident-7", Some("API down")));
    let Event::MessageUpdate(update) = &events[5].1 else { unreachable!() };
    assert_eq!(update.pinned, Some(true));
    let Event::ChannelPinsUpdate(pins) = &events[6].1 else { unreachable!() };
    assert!(pins.last_pin_timestamp.is_some());
    let Event::MessageCreate(notice) = &events[7].1 else { unreachable!() };
    assert_eq!(notice.message.kind, MessageType::PinsAdd);
    assert!(notice.message.mentions.is_empty(), "the pin notice pings nobody");
}

#[test]
fn component_clicks_choices_and_modal_submissions_read_as_interactions() {
    let (mut state, mut queue) = connected_state();
    let guild_id = state.config.guild_id;
    let alice = state.add_member(guild_id, "alice", &[]);
    let bob = state.add_member(guild_id, "bob", &[]);
    let ops = id(&state.add_channel(guild_id, 0, "ops", None, None));
    let body = json!({ "content": "INC-7 declared", "components": [
        { "type": 1, "components": [
            { "type": 2, "style": 1, "custom_id": "ack", "label": "Acknowledge" },
            { "type": 2, "style": 5, "url": "https://runbooks.example/inc", "label": "Runbook" },
        ]},
        { "type": 1, "components": [{ "type": 3, "custom_id": "severity", "options": [
            { "label": "SEV1", "value": "sev1" }, { "label": "SEV2", "value": "sev2", "description": "Degraded" },
        ]}]},
        { "type": 1, "components": [{ "type": 5, "custom_id": "commander", "max_values": 2 }] },
    ]});
    let bot = state.config.bot_user_id;
    let sent: Message = read(&message(&mut state, ops, bot, &body));
    assert_eq!(sent.components.len(), 3);
    assert!(
        matches!(&sent.components[1].components[0], ActionRowComponent::SelectMenu(menu) if menu.options.len() == 2)
    );
    events(&mut queue);

    let click = state.use_component(sent.id.get(), alice, "ack", None);
    state.use_component(sent.id.get(), alice, "severity", Some(&["sev2"]));
    state.use_component(sent.id.get(), alice, "commander", Some(&[&bob.to_string()]));
    let modal = json!({ "custom_id": "resolve", "title": "Resolve INC-7", "components": [
        { "type": 1, "components": [{ "type": 4, "custom_id": "cause", "style": 2, "label": "Root cause" }] },
    ]});
    answer(&mut state, click.id, 9, modal);
    state.submit_modal(click.id, &[("cause", "pool size 2\nfrom a test profile")]);

    let events = events(&mut queue);
    let interactions: Vec<&Interaction> = events
        .iter()
        .map(|(_, event)| match event {
            Event::InteractionCreate(created) => &created.interaction,
            other => panic!("not an interaction: {other:?}"),
        })
        .collect();
    let [
        Interaction::Component(button),
        Interaction::Component(severity),
        Interaction::Component(commander),
        Interaction::Modal(submitted),
    ] = interactions.as_slice()
    else {
        panic!("expected three component interactions and a modal submission, got {interactions:?}");
    };
    assert_eq!((button.data.custom_id.as_str(), button.message.id), ("ack", sent.id));
    assert!(matches!(button.data.kind, ComponentInteractionDataKind::Button));
    assert_eq!(button.user.id.get(), alice, "the user comes from the member");
    assert!(
        matches!(&severity.data.kind, ComponentInteractionDataKind::StringSelect { values } if values == &["sev2"])
    );
    assert!(
        matches!(&commander.data.kind, ComponentInteractionDataKind::UserSelect { values } if values == &[UserId::new(bob)])
    );
    assert!(commander.data.resolved.users.contains_key(&UserId::new(bob)));
    assert_eq!(submitted.data.custom_id, "resolve");
    let ActionRowComponent::InputText(input) = &submitted.data.components[0].components[0] else { panic!() };
    assert_eq!((input.custom_id.as_str(), input.value.as_deref()), ("cause", Some("pool size 2\nfrom a test profile")));
    assert_eq!(submitted.message.as_ref().map(|message| message.id), Some(sent.id));

    let metadata = state.interaction_metadata(submitted.id.get(), None);
    let response: Message = read(&state.create_message(NewMessage {
        channel_id: ops,
        author_id: state.config.bot_user_id,
        body: &json!({ "content": "Resolved" }),
        files: &[],
        kind: 20,
        flags: 0,
        reply_to: None,
        interaction: Some(metadata),
    }));
    let Some(MessageInteractionMetadata::ModalSubmit(metadata)) = response.interaction_metadata.as_deref() else {
        panic!("not a modal submission's metadata: {:?}", response.interaction_metadata);
    };
    assert!(matches!(*metadata.triggering_interaction_metadata, MessageInteractionMetadata::Component(_)));
}

#[test]
fn an_autocomplete_request_reads_with_its_focused_option() {
    let (mut state, mut queue) = connected_state();
    let guild_id = state.config.guild_id;
    let alice = state.add_member(guild_id, "alice", &[]);
    let ops = id(&state.add_channel(guild_id, 0, "ops", None, None));
    events(&mut queue);

    let options = json!([{ "name": "declare", "type": 1, "options": [
        { "name": "title", "type": 3, "value": "API down" },
        { "name": "service", "type": 3, "value": "chec", "focused": true },
    ]}]);
    state.command_interaction(AUTOCOMPLETE, ops, alice, "incident", options);

    let events = events(&mut queue);
    let Event::InteractionCreate(created) = &events[0].1 else { panic!("expected INTERACTION_CREATE") };
    let Interaction::Autocomplete(request) = &created.interaction else { panic!("not autocomplete: {created:?}") };
    let focused = request.data.autocomplete().expect("a focused option");
    assert_eq!((focused.name, focused.value), ("service", "chec"));
}

#[test]
fn rest_answers_read_as_their_models() {
    let (mut state, _queue) = connected_state();
    let guild_id = state.config.guild_id;
    let role = state.add_role(guild_id, "oncall", 0);
    let alice = state.add_member(guild_id, "alice", &[role]);
    let channel: GuildChannel = read(&state.add_channel(guild_id, 0, "ops", None, Some("where it happens")));
    let forum: GuildChannel = read(&state.add_channel(guild_id, 15, "postmortems", None, None));
    assert_eq!(forum.kind, ChannelType::Forum);
    let thread: GuildChannel = read(&state.add_thread(thread(channel.id.get(), None, 12, alice)));
    assert_eq!(thread.parent_id, Some(channel.id));
    let roles: Vec<Role> = read(&Value::Array(state.roles_json(guild_id)));
    assert_eq!(roles.len(), 3);
    let member: Member = read(&state.member_json(guild_id, alice, true).unwrap());
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
    let stored = state.overwrite_commands(Some(guild_id), definitions.as_array().unwrap());
    let commands: Vec<Command> = read(&Value::Array(stored));
    assert_eq!(commands[0].options[0].options[0].name, "title");
    let interaction = state.command_interaction(COMMAND, channel.id.get(), alice, "incident", Value::Null);
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
    state.pin(channel.id.get(), response.id.get(), state.config.bot_user_id);
    let pins: Vec<Message> = read(&Value::Array(state.pinned(channel.id.get())));
    assert!(pins[0].pinned);
}

#[test]
fn a_thread_a_member_starts_under_an_announcement_channel_is_an_announcement_thread() {
    let (mut state, _queue) = connected_state();
    let guild_id = state.config.guild_id;
    let alice = state.add_member(guild_id, "alice", &[]);
    let news = id(&state.add_channel(guild_id, 5, "status", None, None));

    let thread: GuildChannel =
        read(&state.add_member_thread(news, alice, "INC-7", &json!({ "content": "follow here" })));

    assert_eq!(thread.kind, ChannelType::NewsThread);
    assert_eq!(thread.owner_id.map(|owner| owner.get()), Some(alice));
    assert_eq!(thread.message_count, Some(1));
    assert_eq!(state.channel_messages(thread.id.get())[0]["content"], "follow here");
}

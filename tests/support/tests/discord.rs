//! Runs the real serenity 0.12.5 client against `DiscordServer`: it connects through the gateway,
//! sees READY, GUILD_CREATE, messages and slash commands, answers through REST, and the server
//! records, refuses or times out what it should, the way Discord does. The tests of each rule
//! added since live in `discord/`: most play the bot themselves through serenity's `Http` and
//! watch the gateway with [`Watcher`].

#[path = "discord/components.rs"]
mod components;
#[path = "discord/edits.rs"]
mod edits;
#[path = "discord/guilds.rs"]
mod guilds;
#[path = "discord/interactions.rs"]
mod interactions;
#[path = "discord/mentions.rs"]
mod mentions;
#[path = "discord/rate_limits.rs"]
mod rate_limits;
#[path = "discord/recording.rs"]
mod recording;
#[path = "discord/threads.rs"]
mod threads;

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use firebreak_testkit::discord::{DiscordServer, Options};
use serde_json::{Value, json};
use serenity::all::{
    ChannelId, ChannelType, Client, ClientBuilder, CommandDataOption, CommandDataOptionValue, CommandOptionType,
    Context, CreateAttachment, CreateChannel, CreateCommand, CreateCommandOption, CreateEmbed,
    CreateInteractionResponseFollowup, CreateMessage, CreateThread, EditInteractionResponse, EventHandler,
    GatewayIntents, Guild, GuildChannel, GuildId, Http, HttpBuilder, Interaction, InteractionId, Message, Ready,
    ResumedEvent, RoleId,
};
use serenity::async_trait;
use serenity::http::{HttpError, MessagePagination};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// How long a test waits for any one thing the bot should do.
const WAIT: Duration = Duration::from_secs(5);

/// Something the bot's handler saw or did.
#[derive(Debug)]
enum Seen {
    Ready { user: u64, application: u64 },
    Guild { id: u64, channels: Vec<String>, roles: Vec<String>, members: usize },
    Message { channel: u64, content: String, mentions: Vec<u64> },
    Command { name: String, options: Vec<CommandDataOption> },
    Thread { name: String },
    Resumed,
    Outcome { step: &'static str, result: Result<String, String> },
}

/// An event handler that reports everything to the test and answers like a small incident bot:
/// registers `/incident declare` on READY; on "status" replies with an embed, on "open" creates
/// a channel and a thread; answers `/incident` by deferring, editing the response and following
/// up ephemerally.
struct Bot {
    seen: UnboundedSender<Seen>,
    guild_id: u64,
}

impl Bot {
    fn report(&self, step: &'static str, result: serenity::Result<String>) {
        let _ = self.seen.send(Seen::Outcome { step, result: result.map_err(|error| format!("{error:?}")) });
    }
}

#[async_trait]
impl EventHandler for Bot {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let _ = self.seen.send(Seen::Ready { user: ready.user.id.get(), application: ready.application.id.get() });
        let declare = CreateCommandOption::new(CommandOptionType::SubCommand, "declare", "Declare an incident")
            .add_sub_option(CreateCommandOption::new(CommandOptionType::String, "title", "What broke").required(true));
        let incident = CreateCommand::new("incident").description("Incident commands").add_option(declare);
        let registered = GuildId::new(self.guild_id).set_commands(&ctx.http, vec![incident]).await;
        self.report("register", registered.map(|commands| commands[0].name.clone()));
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let mut channels: Vec<String> = guild.channels.values().map(|channel| channel.name.clone()).collect();
        channels.sort();
        let mut roles: Vec<String> = guild.roles.values().map(|role| role.name.clone()).collect();
        roles.sort();
        let _ = self.seen.send(Seen::Guild { id: guild.id.get(), channels, roles, members: guild.members.len() });
    }

    async fn message(&self, ctx: Context, message: Message) {
        if message.author.bot {
            return;
        }
        let _ = self.seen.send(Seen::Message {
            channel: message.channel_id.get(),
            content: message.content.clone(),
            mentions: message.mentions.iter().map(|user| user.id.get()).collect(),
        });
        if message.content.contains("status") {
            let embed =
                CreateEmbed::new().title("Incident status").description("Mitigating").field("Severity", "SEV2", true);
            let reply = CreateMessage::new().embed(embed).reference_message(&message);
            let sent = message.channel_id.send_message(&ctx, reply).await;
            self.report("embed", sent.map(|sent| sent.embeds[0].title.clone().unwrap_or_default()));
        }
        if message.content.contains("open") {
            let category = message.content.split_whitespace().last().and_then(|id| id.parse::<u64>().ok());
            let mut channel = CreateChannel::new("Incident 7").kind(ChannelType::Text).topic("API down");
            if let Some(category) = category {
                channel = channel.category(ChannelId::new(category));
            }
            let created = GuildId::new(self.guild_id).create_channel(&ctx, channel).await;
            self.report("channel", created.map(|channel| format!("{} {:?}", channel.name, channel.parent_id)));
            let thread =
                message.channel_id.create_thread_from_message(&ctx, message.id, CreateThread::new("timeline")).await;
            self.report("thread", thread.map(|thread| format!("{} {:?}", thread.name, thread.kind)));
        }
    }

    async fn thread_create(&self, _ctx: Context, thread: GuildChannel) {
        let _ = self.seen.send(Seen::Thread { name: thread.name });
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        let _ = self.seen.send(Seen::Resumed);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Interaction::Command(command) = interaction else { return };
        let _ =
            self.seen.send(Seen::Command { name: command.data.name.clone(), options: command.data.options.clone() });
        self.report("defer", command.defer(&ctx.http).await.map(|()| String::new()));
        let edit = EditInteractionResponse::new().content("Declared: API down");
        self.report("edit", command.edit_response(&ctx.http, edit).await.map(|message| message.content));
        let follow_up = CreateInteractionResponseFollowup::new().content("Only you see this").ephemeral(true);
        self.report("follow-up", command.create_followup(&ctx.http, follow_up).await.map(|message| message.content));
    }
}

/// What a handler reported, searchable in any order.
struct Events<E = Seen> {
    receiver: UnboundedReceiver<E>,
    buffered: Vec<E>,
}

impl<E: Debug> Events<E> {
    fn new(receiver: UnboundedReceiver<E>) -> Self {
        Self { receiver, buffered: Vec::new() }
    }

    /// Waits for the first report `pick` accepts, keeping the others for later calls.
    async fn expect<T>(&mut self, what: &str, mut pick: impl FnMut(&E) -> Option<T>) -> T {
        if let Some(index) = self.buffered.iter().position(|seen| pick(seen).is_some()) {
            return pick(&self.buffered.remove(index)).unwrap();
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.receiver.recv()).await {
                Ok(Some(seen)) => match pick(&seen) {
                    Some(found) => return found,
                    None => self.buffered.push(seen),
                },
                _ => panic!("the bot never reported {what}; it reported {:?}", self.buffered),
            }
        }
    }
}

impl Events<Seen> {
    /// The result of a step the bot took.
    async fn outcome(&mut self, step: &'static str) -> String {
        let result = self
            .expect(step, |seen| match seen {
                Seen::Outcome { step: done, result } if *done == step => Some(result.clone()),
                _ => None,
            })
            .await;
        result.unwrap_or_else(|error| panic!("the bot's {step} failed: {error}"))
    }
}

fn client_http(discord: &DiscordServer, token: &str) -> Http {
    HttpBuilder::new(token).proxy(discord.base_url()).ratelimiter_disabled(true).build()
}

/// Starts a serenity client for the server with the incident bot as its handler.
async fn start_bot(discord: &DiscordServer, token: &str) -> (JoinHandle<serenity::Result<()>>, Events) {
    let (seen, receiver) = mpsc::unbounded_channel();
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    let bot = Bot { seen, guild_id: discord.guild_id() };
    let mut client: Client = ClientBuilder::new_with_http(client_http(discord, token), intents)
        .event_handler(bot)
        .await
        .expect("the client reads GET /gateway");
    (tokio::spawn(async move { client.start().await }), Events::new(receiver))
}

/// What [`Watcher`] saw on the gateway.
#[derive(Debug)]
enum Watched {
    Guild(Box<Guild>),
    Registered(GuildId),
    Interaction(Box<Interaction>),
    ThreadCreate(GuildChannel),
    ThreadUpdate(GuildChannel),
    ChannelUpdate(GuildChannel),
}

/// An event handler that only reports what arrives, except that it registers a `/status`
/// command in every guild it is told about, as bots do on GUILD_CREATE. Tests play the rest of
/// the bot through the client's `Http`.
struct Watcher {
    seen: UnboundedSender<Watched>,
}

#[async_trait]
impl EventHandler for Watcher {
    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let guild_id = guild.id;
        let _ = self.seen.send(Watched::Guild(Box::new(guild)));
        let status = CreateCommand::new("status").description("Incident status");
        if guild_id.set_commands(&ctx.http, vec![status]).await.is_ok() {
            let _ = self.seen.send(Watched::Registered(guild_id));
        }
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let _ = self.seen.send(Watched::Interaction(Box::new(interaction)));
    }

    async fn thread_create(&self, _ctx: Context, thread: GuildChannel) {
        let _ = self.seen.send(Watched::ThreadCreate(thread));
    }

    async fn thread_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        let _ = self.seen.send(Watched::ThreadUpdate(new));
    }

    async fn channel_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        let _ = self.seen.send(Watched::ChannelUpdate(new));
    }
}

/// A connected serenity client watching the server, and its `Http` (the application id set) for
/// the test to answer with.
struct Watching {
    http: Arc<Http>,
    events: Events<Watched>,
    _client: JoinHandle<serenity::Result<()>>,
}

impl Watching {
    /// The next interaction the client received.
    async fn interaction(&mut self) -> Interaction {
        self.events
            .expect("an interaction", |seen| match seen {
                Watched::Interaction(interaction) => Some(interaction.as_ref().clone()),
                _ => None,
            })
            .await
    }
}

/// Starts a [`Watcher`] client on the server and waits until it is ready.
async fn watch(discord: &DiscordServer) -> Watching {
    let (seen, receiver) = mpsc::unbounded_channel();
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    let mut client: Client = ClientBuilder::new_with_http(client_http(discord, discord.token()), intents)
        .event_handler(Watcher { seen })
        .await
        .expect("the client reads GET /gateway");
    let http = Arc::clone(&client.http);
    http.set_application_id(discord.application_id().into());
    let task = tokio::spawn(async move { client.start().await });
    discord.wait_ready(1, WAIT).await;
    Watching { http, events: Events::new(receiver), _client: task }
}

/// The HTTP status, Discord error code and field paths of a failed serenity HTTP call.
fn discord_error(error: serenity::Error) -> (u16, isize, Vec<String>) {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => (
            response.status_code.as_u16(),
            response.error.code,
            response.error.errors.into_iter().map(|error| error.path).collect(),
        ),
        other => panic!("expected an error answer from the server, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serenity_client_sees_the_guild_messages_and_commands_and_its_answers_are_recorded() {
    let discord = DiscordServer::start().await;
    let oncall = discord.add_role("oncall");
    let alice = discord.add_member("alice", &[oncall]);
    let category = discord.add_category("Incidents");
    let ops = discord.add_text_channel("ops", Some(category));
    let (_client, mut events) = start_bot(&discord, discord.token()).await;
    discord.wait_ready(1, WAIT).await;

    let (user, application) = events
        .expect("ready", |seen| match seen {
            Seen::Ready { user, application } => Some((*user, *application)),
            _ => None,
        })
        .await;
    assert_eq!((user, application), (discord.bot_user_id(), discord.application_id()));
    let (guild, channels, roles, members) = events
        .expect("guild_create", |seen| match seen {
            Seen::Guild { id, channels, roles, members } => Some((*id, channels.clone(), roles.clone(), *members)),
            _ => None,
        })
        .await;
    assert_eq!(guild, discord.guild_id());
    assert_eq!(channels, ["Incidents", "ops"], "category names keep their case, text channel names do not");
    assert_eq!(roles, ["@everyone", "Firebreak", "oncall"]);
    assert_eq!(members, 2);
    assert_eq!(events.outcome("register").await, "incident");
    let commands = discord.registered_commands(Some(discord.guild_id()));
    assert_eq!(commands[0]["options"][0]["name"], "declare");

    // A message mentioning the bot reaches the handler, which replies with an embed.
    let bot = discord.bot_user_id();
    discord.post_message(ops, alice, &format!("<@{bot}> status please"));
    let (channel, content, mentions) = events
        .expect("the message", |seen| match seen {
            Seen::Message { channel, content, mentions } => Some((*channel, content.clone(), mentions.clone())),
            _ => None,
        })
        .await;
    assert_eq!((channel, mentions), (ops, vec![bot]));
    assert!(content.ends_with("status please"));
    let reply = discord
        .wait_for(WAIT, |server| {
            server.channel_messages(ops).into_iter().find(|message| message["author"]["bot"] == true)
        })
        .await
        .expect("the bot replies in the channel");
    assert_eq!(reply["embeds"][0]["title"], "Incident status");
    assert_eq!(events.outcome("embed").await, "Incident status");
    let messages = discord.channel_messages(ops);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["embeds"][0]["fields"][0]["value"], "SEV2");
    assert_eq!(messages[1]["referenced_message"]["id"], messages[0]["id"]);
    let sent = discord
        .requests()
        .into_iter()
        .find(|request| request.method == "POST" && request.path == format!("/channels/{ops}/messages"))
        .unwrap();
    assert_eq!(sent.status, 200);
    assert_eq!(sent.body["embeds"][0]["description"], "Mitigating");

    // Creating a channel and a thread from a message.
    let opener = discord.post_message(ops, alice, &format!("open {category}"));
    assert_eq!(events.outcome("channel").await, format!("incident-7 Some(ChannelId({category}))"));
    assert_eq!(events.outcome("thread").await, "timeline PublicThread");
    events
        .expect("THREAD_CREATE", |seen| matches!(seen, Seen::Thread { name } if name == "timeline").then_some(()))
        .await;
    let channels = discord.channels();
    assert!(channels.iter().any(|channel| channel["name"] == "incident-7" && channel["topic"] == "API down"));
    assert!(
        channels.iter().any(|channel| channel["id"].as_str().and_then(|id| id.parse::<u64>().ok()) == Some(opener)
            && channel["type"] == 11)
    );

    // A slash command with a sub-command and an option, answered by defer, edit and follow-up.
    let options =
        json!([{ "name": "declare", "type": 1, "options": [{ "name": "title", "type": 3, "value": "API down" }] }]);
    let interaction = discord.invoke_command(ops, alice, "incident", options);
    let (name, options) = events
        .expect("the command", |seen| match seen {
            Seen::Command { name, options } => Some((name.clone(), options.clone())),
            _ => None,
        })
        .await;
    assert_eq!(name, "incident");
    let CommandDataOptionValue::SubCommand(declare) = &options[0].value else {
        panic!("not a sub-command: {options:?}")
    };
    assert_eq!((options[0].name.as_str(), declare[0].name.as_str()), ("declare", "title"));
    assert_eq!(declare[0].value.as_str(), Some("API down"));
    events.outcome("defer").await;
    assert_eq!(events.outcome("edit").await, "Declared: API down");
    assert_eq!(events.outcome("follow-up").await, "Only you see this");
    let record = discord.interaction(interaction.id).unwrap();
    assert_eq!(record.callbacks.len(), 1);
    assert_eq!(record.callbacks[0].kind, 5);
    assert!(record.callbacks[0].after < Duration::from_secs(3));
    assert_eq!(record.edits, [json!({ "content": "Declared: API down" })]);
    assert_eq!(record.original.as_ref().unwrap()["content"], "Declared: API down");
    assert_eq!(record.followups[0]["flags"], 64);
    let visible: Vec<Value> =
        discord.channel_messages(ops).into_iter().map(|message| message["content"].clone()).collect();
    assert!(visible.contains(&json!("Declared: API down")));
    assert!(!visible.contains(&json!("Only you see this")), "ephemeral follow-ups are not in the channel");
}

#[tokio::test]
async fn limits_and_interaction_timing_are_enforced() {
    let discord =
        DiscordServer::start_with(Options { ack_deadline: Duration::from_millis(300), ..Options::default() }).await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let http = client_http(&discord, discord.token());
    http.set_application_id(discord.application_id().into());

    let too_long = json!({ "embeds": [{ "title": "Incident", "description": "x".repeat(4097) }] });
    let error = http.send_message(ChannelId::new(ops), Vec::new(), &too_long).await.unwrap_err();
    assert_eq!(discord_error(error), (400, 50035, vec!["embeds.0.description".to_owned()]));
    let error =
        http.send_message(ChannelId::new(ops), Vec::new(), &json!({ "content": "y".repeat(2001) })).await.unwrap_err();
    assert_eq!(discord_error(error), (400, 50035, vec!["content".to_owned()]));
    let error = http.send_message(ChannelId::new(ops), Vec::new(), &json!({ "content": " " })).await.unwrap_err();
    assert_eq!(discord_error(error).1, 50006);
    let rejected = discord.requests().into_iter().filter(|request| request.status == 400).count();
    assert_eq!(rejected, 3);
    assert!(discord.channel_messages(ops).is_empty());

    // A file goes up as multipart; the server keeps the payload_json and the bytes.
    let file = CreateAttachment::bytes(b"# Postmortem".to_vec(), "postmortem.md");
    let sent = http.send_message(ChannelId::new(ops), vec![file], &json!({ "content": "report" })).await.unwrap();
    assert_eq!(sent.attachments[0].filename, "postmortem.md");
    let upload = discord.requests().pop().unwrap();
    assert_eq!(
        (upload.body["content"].as_str(), upload.files[0].data.as_slice()),
        (Some("report"), &b"# Postmortem"[..])
    );

    let answer = json!({ "type": 4, "data": { "content": "ack" } });
    let late = discord.invoke_command(ops, alice, "incident", Value::Null);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let error = http
        .create_interaction_response(InteractionId::new(late.id), &late.token, &answer, Vec::new())
        .await
        .unwrap_err();
    assert_eq!(discord_error(error), (404, 10062, Vec::new()));
    let error =
        http.edit_original_interaction_response(&late.token, &json!({ "content": "x" }), Vec::new()).await.unwrap_err();
    assert_eq!(discord_error(error).1, 10015, "no edit without a callback");

    let timely = discord.invoke_command(ops, alice, "incident", Value::Null);
    http.create_interaction_response(InteractionId::new(timely.id), &timely.token, &answer, Vec::new()).await.unwrap();
    let error = http
        .create_interaction_response(InteractionId::new(timely.id), &timely.token, &answer, Vec::new())
        .await
        .unwrap_err();
    assert_eq!(discord_error(error), (400, 40060, Vec::new()));
    let record = discord.interaction(timely.id).unwrap();
    assert_eq!(record.callbacks.len(), 1);
    assert_eq!(record.original.unwrap()["content"], "ack");
    assert!(discord.interaction(late.id).unwrap().callbacks.is_empty());

    let wrong = client_http(&discord, "not-the-token");
    assert_eq!(discord_error(wrong.get_current_user().await.unwrap_err()).0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_receive_the_same_message() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let (_first, mut first) = start_bot(&discord, discord.token()).await;
    let (_second, mut second) = start_bot(&discord, discord.token()).await;
    discord.wait_ready(2, WAIT).await;
    discord.post_message(ops, alice, "anyone there?");
    for events in [&mut first, &mut second] {
        let content = events
            .expect("the message", |seen| match seen {
                Seen::Message { content, .. } => Some(content.clone()),
                _ => None,
            })
            .await;
        assert_eq!(content, "anyone there?");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_fails_identify() {
    let discord = DiscordServer::start().await;
    let (client, _events) = start_bot(&discord, "not-the-token").await;
    let outcome = timeout(WAIT, client).await.expect("the client gives up").expect("the client task ends");
    assert!(outcome.is_err(), "Client::start should fail, got {outcome:?}");
    assert_eq!(discord.connected_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_resumes_without_losing_messages() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let (_client, mut events) = start_bot(&discord, discord.token()).await;
    discord.wait_ready(1, WAIT).await;
    events.expect("ready", |seen| matches!(seen, Seen::Ready { .. }).then_some(())).await;

    discord.disconnect_all();
    discord.post_message(ops, alice, "said while the bot was away");
    discord.wait_ready(1, WAIT).await;
    events.expect("RESUMED", |seen| matches!(seen, Seen::Resumed).then_some(())).await;
    let content = events
        .expect("the missed message", |seen| match seen {
            Seen::Message { content, .. } => Some(content.clone()),
            _ => None,
        })
        .await;
    assert_eq!(content, "said while the bot was away");
    while let Ok(seen) = events.receiver.try_recv() {
        events.buffered.push(seen);
    }
    assert!(
        !events.buffered.iter().any(|seen| matches!(seen, Seen::Ready { .. })),
        "a resumed session gets no second READY: {:?}",
        events.buffered
    );
}

#[tokio::test]
async fn reads_edits_and_mistakes_are_answered_like_discord() {
    let discord = DiscordServer::start().await;
    let oncall = discord.add_role("oncall");
    let alice = discord.add_member("alice", &[oncall]);
    let category = discord.add_category("Incidents");
    let ops = discord.add_text_channel("Ops Room", Some(category));
    let guild = GuildId::new(discord.guild_id());
    let http = client_http(&discord, discord.token());

    assert_eq!(http.get_gateway().await.unwrap().url, discord.gateway_url());
    assert_eq!(http.get_bot_gateway().await.unwrap().shards, 1);
    assert_eq!(http.get_current_user().await.unwrap().id.get(), discord.bot_user_id());
    assert_eq!(http.get_current_application_info().await.unwrap().id.get(), discord.application_id());
    http.set_application_id(discord.application_id().into());
    let channel = http.get_channel(ChannelId::new(ops)).await.unwrap().guild().unwrap();
    assert_eq!((channel.name.as_str(), channel.parent_id.map(|id| id.get())), ("ops-room", Some(category)));
    assert_eq!(http.get_channels(guild).await.unwrap().len(), 2);
    assert_eq!(http.get_member(guild, alice.into()).await.unwrap().roles, vec![RoleId::new(oncall)]);
    assert_eq!(http.get_guild_roles(guild).await.unwrap().len(), 3);
    http.broadcast_typing(ChannelId::new(ops)).await.unwrap();

    let first = discord.post_message(ops, alice, "first");
    let second = discord.post_message(ops, alice, "second");
    let newest = http.get_messages(ChannelId::new(ops), None, Some(1)).await.unwrap();
    assert_eq!(newest[0].id.get(), second);
    let before =
        http.get_messages(ChannelId::new(ops), Some(MessagePagination::Before(second.into())), None).await.unwrap();
    assert_eq!(before.iter().map(|message| message.id.get()).collect::<Vec<_>>(), [first]);
    let sent = http.send_message(ChannelId::new(ops), Vec::new(), &json!({ "content": "draft" })).await.unwrap();
    let edited =
        http.edit_message(ChannelId::new(ops), sent.id, &json!({ "content": "final" }), Vec::new()).await.unwrap();
    assert_eq!(edited.content, "final");
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(http.get_message(ChannelId::new(ops), sent.id).await.unwrap().content, "final");
    let error = http.edit_message(ChannelId::new(ops), first.into(), &json!({ "content": "x" }), Vec::new()).await;
    assert_eq!(discord_error(error.unwrap_err()).1, 50005, "only the author may edit");

    let error = http.send_message(ChannelId::new(category), Vec::new(), &json!({ "content": "x" })).await;
    assert_eq!(discord_error(error.unwrap_err()).1, 50008, "categories hold no messages");
    let error = http.send_message(ChannelId::new(1), Vec::new(), &json!({ "content": "x" })).await;
    assert_eq!(discord_error(error.unwrap_err()), (404, 10003, Vec::new()));
    let error = http.get_guild(guild).await.unwrap_err();
    assert_eq!(discord_error(error), (404, 0, Vec::new()), "routes the server lacks answer 404");
    let bad_command = json!([{ "name": "Incident", "description": "" }]);
    let error = http.create_guild_commands(guild, &bad_command).await.unwrap_err();
    assert_eq!(discord_error(error), (400, 50035, vec!["0.description".to_owned(), "0.name".to_owned()]));
    let thread = http.create_thread(ChannelId::new(ops), &json!({ "name": "notes" }), None).await.unwrap();
    assert_eq!(thread.kind, ChannelType::PrivateThread, "API v10 makes threads without a message private");

    let global = json!([{ "name": "status", "description": "Show status" }]);
    let stored = http.create_global_commands(&global).await.unwrap();
    assert_eq!(stored[0].application_id.get(), discord.application_id());
    assert_eq!(http.get_global_commands().await.unwrap()[0].id, stored[0].id);
    assert_eq!(discord.registered_commands(None).len(), 1);
    let interaction = discord.invoke_command(ops, alice, "status", Value::Null);
    let ephemeral = json!({ "type": 4, "data": { "content": "All good", "flags": 64 } });
    http.create_interaction_response(InteractionId::new(interaction.id), &interaction.token, &ephemeral, Vec::new())
        .await
        .unwrap();
    let original = http.get_original_interaction_response(&interaction.token).await.unwrap();
    assert_eq!(original.content, "All good");
    let record = discord.interaction(interaction.id).unwrap();
    assert!(record.callbacks[0].ephemeral());
    assert!(discord.channel_messages(ops).iter().all(|message| message["content"] != "All good"));
    let sent_commands = discord.requests().into_iter().find(|request| request.method == "PUT").unwrap();
    assert_eq!(sent_commands.status, 400);
}

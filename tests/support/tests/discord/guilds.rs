//! More guilds: one added while the bot is connected arrives as GUILD_CREATE with its own roles,
//! members and channels, and a bot that registers commands on it can be used there.

use firebreak_testkit::discord::DiscordServer;
use serde_json::Value;
use serenity::all::{GuildId, Interaction, RoleId};

use super::{Watched, watch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guild_added_after_connecting_arrives_as_guild_create_and_takes_commands() {
    let discord = DiscordServer::start().await;
    let mut watching = watch(&discord).await;
    let first = GuildId::new(discord.guild_id());
    watching
        .events
        .expect("the first guild's commands", |seen| {
            matches!(seen, Watched::Registered(id) if *id == first).then_some(())
        })
        .await;

    let second = discord.add_guild("Payments");
    let sre = second.add_role("sre");
    let bob = second.add_member("bob", &[sre]);
    let alerts = second.add_text_channel("alerts", None);
    let joined = watching
        .events
        .expect("the second GUILD_CREATE", |seen| match seen {
            Watched::Guild(guild) if guild.id.get() == second.id() => Some(guild.clone()),
            _ => None,
        })
        .await;
    let registered = GuildId::new(second.id());
    watching
        .events
        .expect("its commands", |seen| matches!(seen, Watched::Registered(id) if *id == registered).then_some(()))
        .await;
    let used = discord.invoke_command(alerts, bob, "status", Value::Null);
    let Interaction::Command(command) = watching.interaction().await else { panic!("not a command") };

    assert_eq!(joined.name, "Payments");
    assert!(joined.channels.is_empty(), "the channel came after the guild");
    assert!(joined.roles.contains_key(&second.id().into()), "its own @everyone");
    let commands = discord.registered_commands(Some(second.id()));
    assert_eq!(commands[0]["name"], "status");
    assert_eq!(command.id.get(), used.id);
    assert_eq!(command.guild_id, Some(registered));
    assert_eq!(
        command.data.id.to_string(),
        commands[0]["id"].as_str().unwrap(),
        "the command registered in that guild"
    );
    assert_eq!(command.member.as_ref().unwrap().roles, vec![RoleId::new(sre)]);
    let guild_channels = watching.http.get_channels(registered).await.unwrap();
    assert_eq!(guild_channels.iter().map(|channel| channel.name.as_str()).collect::<Vec<_>>(), ["alerts"]);
    assert!(watching.http.get_member(first, bob.into()).await.is_err(), "bob is not in the first guild");
}

//! Recording traffic: every REST request and gateway frame of a serenity client, one JSON object
//! per line in the file the options name.

use firebreak_testkit::discord::{DiscordServer, Options};
use serde_json::{Value, json};
use serenity::all::ChannelId;

use super::{Watched, client_http, watch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rest_request_and_gateway_frame_is_appended_as_a_json_line() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("discord.jsonl");
    let discord = DiscordServer::start_with(Options { record_to: Some(file.clone()), ..Options::default() }).await;
    let ops = discord.add_text_channel("ops", None);
    let mut watching = watch(&discord).await;
    watching.events.expect("GUILD_CREATE", |seen| matches!(seen, Watched::Guild(_)).then_some(())).await;
    let http = client_http(&discord, discord.token());

    http.send_message(ChannelId::new(ops), Vec::new(), &json!({ "content": "recorded" })).await.unwrap();
    let refused = http.send_message(ChannelId::new(ops), Vec::new(), &json!({ "content": "" })).await;
    drop(watching);
    drop(discord);

    assert!(refused.is_err());
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
        .collect();
    let rest: Vec<&Value> = lines.iter().filter(|line| line["transport"] == "rest").collect();
    let gateway: Vec<&Value> = lines.iter().filter(|line| line["transport"] == "gateway").collect();
    assert!(rest.iter().any(|line| line["method"] == "GET" && line["path"] == "/gateway" && line["status"] == 200));
    let posts: Vec<&&Value> = rest.iter().filter(|line| line["path"] == format!("/channels/{ops}/messages")).collect();
    assert_eq!(posts.len(), 2);
    assert_eq!((&posts[0]["body"]["content"], &posts[0]["status"]), (&json!("recorded"), &json!(200)));
    assert_eq!(posts[0]["response"]["content"], "recorded");
    assert_eq!((&posts[1]["status"], &posts[1]["response"]["code"]), (&json!(400), &json!(50006)));
    let op = |direction: &str, op: u64| {
        gateway.iter().any(|line| line["direction"] == direction && line["payload"]["op"] == op)
    };
    assert!(op("sent", 10) && op("received", 2), "HELLO sent and IDENTIFY received");
    assert!(gateway.iter().any(|line| line["direction"] == "sent" && line["payload"]["t"] == "READY"));
    assert!(gateway.iter().any(|line| line["direction"] == "sent" && line["payload"]["t"] == "GUILD_CREATE"));
    assert!(lines.iter().all(|line| line["at"].is_string()));
}

//! Rate limits: serenity's own rate limiter, reaching the server over HTTPS as `discord.com`,
//! waits out what the server announces and refuses; a client without one gets Discord's 429.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use firebreak_testkit::discord::{DiscordServer, Limit, Options, RateLimits};
use firebreak_testkit::ensure_crypto_provider;
use reqwest_serenity::{Certificate, Client as Reqwest};
use serde_json::json;
use serenity::all::{ChannelId, EditChannel, HttpBuilder};
use serenity::http::{RatelimitInfo, Ratelimiter};

use super::{client_http, discord_error};

/// A reqwest client that sends `discord.com` to the server's HTTPS port and trusts only its
/// certificate, as serenity's rate limiter needs (it ignores the proxy setting).
fn discord_com_client(discord: &DiscordServer) -> Reqwest {
    ensure_crypto_provider();
    let pem = discord.ca_certificate_pem().expect("the server serves HTTPS");
    Reqwest::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(Certificate::from_pem(pem.as_bytes()).expect("a PEM certificate"))
        .resolve("discord.com", discord.tls_address().expect("the server serves HTTPS"))
        .build()
        .expect("build the HTTPS client")
}

#[tokio::test]
async fn serenitys_rate_limiter_delivers_a_burst_of_thirty_messages_in_order_waiting_out_the_429s() {
    let limits = RateLimits {
        global: Some(Limit::new(15, Duration::from_secs(2))),
        messages_per_channel: Some(Limit::new(10, Duration::from_millis(500))),
        channel_renames: None,
    };
    let discord = DiscordServer::start_with(Options { tls: true, rate_limits: limits, ..Options::default() }).await;
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let client = discord_com_client(&discord);
    let waits: Arc<Mutex<Vec<RatelimitInfo>>> = Arc::default();
    let mut ratelimiter = Ratelimiter::new(client.clone(), format!("Bot {}", discord.token()));
    let noted = Arc::clone(&waits);
    ratelimiter.set_ratelimit_callback(Box::new(move |info| noted.lock().unwrap().push(info)));
    let http = HttpBuilder::new(discord.token()).client(client).ratelimiter(ratelimiter).build();

    let gateway = http.get_gateway().await.expect("GET /gateway over HTTPS");
    for index in 0..30 {
        let body = json!({ "content": format!("burst {index}") });
        http.send_message(ops, Vec::new(), &body).await.unwrap_or_else(|error| panic!("message {index}: {error:?}"));
    }

    assert_eq!(gateway.url, discord.gateway_url(), "the gateway stays plain ws:// on loopback");
    assert!(gateway.url.starts_with("ws://127.0.0.1:"));
    let contents: Vec<String> = discord
        .channel_messages(ops.get())
        .iter()
        .map(|message| message["content"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..30).map(|index| format!("burst {index}")).collect();
    assert_eq!(contents, expected);
    let hits = discord.rate_limit_hits();
    assert!(!hits.is_empty(), "the global limit refused some requests");
    assert!(hits.iter().all(|hit| hit.global && hit.bucket == "global"), "route headers kept serenity under: {hits:?}");
    let refused = discord.requests().iter().filter(|request| request.status == 429).count();
    assert_eq!(refused, hits.len());
    let waits = waits.lock().unwrap();
    assert!(waits.iter().any(|wait| wait.global), "serenity waited out the global 429s: {waits:?}");
    assert!(waits.iter().any(|wait| !wait.global), "serenity waited before the route was exhausted: {waits:?}");
}

#[tokio::test]
async fn a_client_without_a_rate_limiter_sees_discords_headers_then_a_429() {
    let discord = DiscordServer::start().await;
    let ops = discord.add_text_channel("ops", None);
    let url = format!("{}/api/v10/channels/{ops}/messages", discord.base_url());
    let raw = reqwest_serenity::Client::new();
    let post = |index: usize| {
        raw.post(&url)
            .header("authorization", format!("Bot {}", discord.token()))
            .header("content-type", "application/json")
            .body(json!({ "content": format!("update {index}") }).to_string())
            .send()
    };

    let mut remaining = Vec::new();
    for index in 0..5 {
        let answer = post(index).await.unwrap();
        assert_eq!(answer.status(), 200);
        let header = |name: &str| answer.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(
            (header("x-ratelimit-limit"), header("x-ratelimit-bucket")),
            ("5".to_owned(), "create-message".to_owned())
        );
        assert!(header("x-ratelimit-reset-after").parse::<f64>().unwrap() <= 5.0);
        assert!(header("x-ratelimit-reset").parse::<f64>().unwrap() > 1.7e9);
        remaining.push(header("x-ratelimit-remaining"));
    }
    let refused = post(5).await.unwrap();
    let retry_after = refused.headers()["retry-after"].to_str().unwrap().to_owned();
    let scope = refused.headers()["x-ratelimit-scope"].to_str().unwrap().to_owned();
    let status = refused.status();
    let body: serde_json::Value = serde_json::from_slice(&refused.bytes().await.unwrap()).unwrap();

    assert_eq!(remaining, ["4", "3", "2", "1", "0"]);
    assert_eq!((status.as_u16(), retry_after.as_str(), scope.as_str()), (429, "5", "user"));
    assert_eq!(body["message"], "You are being rate limited.");
    assert_eq!(body["global"], false);
    assert!(body["retry_after"].as_f64().unwrap() > 4.0);
    assert_eq!(discord.channel_messages(ops).len(), 5, "the refused message is not stored");
    assert_eq!(discord.rate_limit_hits()[0].path, format!("/channels/{ops}/messages"));
}

#[tokio::test]
async fn a_third_rename_within_ten_minutes_is_refused_and_the_channel_keeps_its_second_name() {
    let discord = DiscordServer::start().await;
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = client_http(&discord, discord.token());

    http.edit_channel(ops, &json!({ "name": "inc-1-checkout" }), None).await.unwrap();
    http.edit_channel(ops, &json!({ "topic": "checkout 502s" }), None).await.unwrap();
    let moved = ops.edit(&http, EditChannel::new().nsfw(false)).await;
    let third = http.edit_channel(ops, &json!({ "name": "inc-1-mitigated" }), None).await.unwrap_err();

    assert!(moved.is_ok(), "edits without name or topic are not renames");
    let (status, ..) = discord_error(third);
    assert_eq!(status, 429);
    let hit = &discord.rate_limit_hits()[0];
    assert_eq!((hit.bucket.as_str(), hit.global), ("channel-rename", false));
    assert!(hit.retry_after > 590.0);
    let channel = http.get_channel(ops).await.unwrap().guild().unwrap();
    assert_eq!((channel.name.as_str(), channel.topic.as_deref()), ("inc-1-checkout", Some("checkout 502s")));
}

#[tokio::test]
async fn rate_limits_can_be_turned_off() {
    let discord =
        DiscordServer::start_with(Options { rate_limits: RateLimits::unlimited(), ..Options::default() }).await;
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = client_http(&discord, discord.token());

    for index in 0..12 {
        http.send_message(ops, Vec::new(), &json!({ "content": format!("update {index}") })).await.unwrap();
    }

    assert_eq!(discord.channel_messages(ops.get()).len(), 12);
    assert!(discord.rate_limit_hits().is_empty());
}

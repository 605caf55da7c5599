//! Answering an interaction — a slash command, a click, a submitted modal, an autocomplete
//! request — whatever its kind: at once when the engine's plan allows (a private refusal, a
//! modal, suggestions), otherwise deferred first and then completed with the turn's replies (the
//! deferred response, follow-ups, private answers when they only refuse), falling back to the
//! channel when the interaction's token has expired.

use serenity::all::{
    Builder, ChannelId, CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    EditInteractionResponse, Http, InteractionId,
};
use serenity::http::HttpError;
use tracing::{info, warn};

use super::controls;
use super::post::{Outgoing, Outlet, channel_id, embed, is_upkeep, no_pings, outgoing};
use super::render::Post;
use crate::core::engine::{Engine, Visibility};
use crate::core::outbound::{Choice, Form, Message, Outbound};
use crate::core::replies;

/// Discord's codes for an interaction token that can no longer be used.
const EXPIRED_TOKEN_CODES: [isize; 3] = [10015, 10062, 50027];

/// How an interaction's replies reach the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    /// Through the interaction: the deferred response, then follow-ups.
    Interaction,
    /// As plain channel messages: the interaction's token has expired.
    Channel,
}

/// One interaction to answer: its id and token, and the channel it was used in.
pub(super) struct Responder {
    pub(super) id: InteractionId,
    pub(super) token: String,
    pub(super) channel: ChannelId,
}

impl Responder {
    async fn respond(&self, http: &Http, response: CreateInteractionResponse) -> serenity::Result<()> {
        response.execute(http, (self.id, &self.token)).await
    }

    /// Answers at once, to the author alone, without a turn: a usage error or a refusal.
    pub(super) async fn refuse(&self, http: &Http, text: &str) {
        let content =
            outgoing(&Message::Error { text: text.to_owned() }).first().map(Outgoing::text).unwrap_or_default();
        let message =
            CreateInteractionResponseMessage::new().content(content).ephemeral(true).allowed_mentions(no_pings());
        if let Err(error) = self.respond(http, CreateInteractionResponse::Message(message)).await {
            warn!(%error, "could not refuse the interaction");
        }
    }

    /// Opens `form` as a modal: it must be the interaction's first answer.
    pub(super) async fn open(&self, http: &Http, form: &Form) {
        if let Err(error) = self.respond(http, CreateInteractionResponse::Modal(controls::modal(form))).await {
            warn!(%error, "could not open the form");
        }
    }

    /// Answers an autocomplete request with `choices`.
    pub(super) async fn suggest(&self, http: &Http, choices: &[Choice]) {
        let response = CreateInteractionResponse::Autocomplete(controls::suggestions(choices));
        if let Err(error) = self.respond(http, response).await {
            warn!(%error, "could not offer suggestions");
        }
    }

    /// Defers the response, before anything slow. False when it could not be acknowledged:
    /// another replica did it first (`40060`), or it expired.
    pub(super) async fn acknowledge(&self, http: &Http, visibility: Visibility) -> bool {
        let message = CreateInteractionResponseMessage::new().ephemeral(visibility == Visibility::Private);
        match self.respond(http, CreateInteractionResponse::Defer(message)).await {
            Ok(()) => true,
            Err(error) => {
                info!(%error, interaction = %self.id, "not acknowledged here; another replica may have it");
                false
            }
        }
    }

    /// Answers with `replies`: the first post in the interaction's channel completes the
    /// deferred response, later ones there are follow-ups, posts for other channels are channel
    /// messages, cards, announcements and channel changes are kept up through the REST API.
    /// When the replies in its channel only refuse or fail, the public placeholder is removed
    /// and they go to the asker alone. Messages posted to be kept are reported to `engine`.
    pub(super) async fn answer(&self, outlet: &Outlet, engine: &Engine, replies: &[Outbound], delivery: Delivery) {
        let http = outlet.http.as_ref();
        let mut here = Vec::new();
        for reply in replies {
            if is_upkeep(&reply.message) {
                outlet.keep_up(engine, reply).await;
            } else if channel_id(&reply.channel) == Some(self.channel) {
                here.push(reply);
            } else if let Some(channel) = channel_id(&reply.channel) {
                for piece in outgoing(&reply.message) {
                    outlet.send(channel, piece).await;
                }
            }
        }
        let pieces: Vec<Outgoing> = here.iter().flat_map(|reply| outgoing(&reply.message)).collect();
        if delivery == Delivery::Channel {
            for piece in pieces {
                outlet.send(self.channel, piece).await;
            }
            return;
        }
        if only_errors(&here) {
            return self.answer_privately(http, pieces).await;
        }
        let mut pieces = pieces.into_iter();
        let Some(first) = pieces.next() else {
            if let Err(error) = EditInteractionResponse::new()
                .content(replies::DONE)
                .allowed_mentions(no_pings())
                .execute(http, &self.token)
                .await
            {
                warn!(%error, "could not complete the interaction");
            }
            return;
        };
        let mut expired = false;
        let (edit, first) = edit_builder(first);
        if let Err(error) = edit.execute(http, &self.token).await {
            expired = token_expired(&error);
            warn!(%error, "could not answer the interaction");
            if expired {
                outlet.send(self.channel, first).await;
            }
        }
        for piece in pieces {
            if expired {
                outlet.send(self.channel, piece).await;
                continue;
            }
            let (followup, piece) = followup_builder(piece, false);
            if let Err(error) = followup.execute(http, (None, &self.token)).await {
                expired = token_expired(&error);
                warn!(%error, "could not follow up on the interaction");
                if expired {
                    outlet.send(self.channel, piece).await;
                }
            }
        }
    }

    /// Replaces the public placeholder by follow-ups only the asker sees.
    async fn answer_privately(&self, http: &Http, pieces: Vec<Outgoing>) {
        if let Err(error) = http.delete_original_interaction_response(&self.token).await {
            warn!(%error, "could not remove the interaction's placeholder");
        }
        for piece in pieces {
            let (followup, _) = followup_builder(piece, true);
            if let Err(error) = followup.execute(http, (None, &self.token)).await {
                warn!(%error, "could not answer the interaction privately");
            }
        }
    }
}

/// Whether `replies` only refuse or fail: what the asker alone should see.
fn only_errors(replies: &[&Outbound]) -> bool {
    !replies.is_empty() && replies.iter().all(|reply| matches!(reply.message, Message::Error { .. }))
}

/// Whether Discord refused because the interaction's token is no longer valid.
fn token_expired(error: &serenity::Error) -> bool {
    matches!(error, serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
        if EXPIRED_TOKEN_CODES.contains(&response.error.code))
}

/// The edit of the original response showing `piece`, and the piece again for a fallback post
/// (builders take their file, so the piece is rebuilt without it).
fn edit_builder(piece: Outgoing) -> (EditInteractionResponse, Outgoing) {
    let Outgoing { post, rows, file, mentions } = piece;
    let mut edit = EditInteractionResponse::new().allowed_mentions(mentions.clone()).components(rows.clone());
    if let Some(file) = file.clone() {
        edit = edit.new_attachment(file);
    }
    let edit = match &post {
        Post::Text(text) => edit.content(text.clone()),
        Post::Embed(parts) => edit.embed(embed(parts.clone())),
    };
    (edit, Outgoing { post, rows, file, mentions })
}

/// A follow-up showing `piece`, and the piece again for a fallback post.
fn followup_builder(piece: Outgoing, private: bool) -> (CreateInteractionResponseFollowup, Outgoing) {
    let Outgoing { post, rows, file, mentions } = piece;
    let mut followup = CreateInteractionResponseFollowup::new()
        .allowed_mentions(mentions.clone())
        .ephemeral(private)
        .components(rows.clone());
    if let Some(file) = file.clone() {
        followup = followup.add_file(file);
    }
    let followup = match &post {
        Post::Text(text) => followup.content(text.clone()),
        Post::Embed(parts) => followup.embed(embed(parts.clone())),
    };
    (followup, Outgoing { post, rows, file, mentions })
}

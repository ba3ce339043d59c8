//! Azure Event Hubs' commands: the saved connections, and reading a hub into the Inspector (see
//! `crate::receiving::event_hubs`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use studio_catalog::targets::is_event_hubs_host;
use studio_primitives::kafka::{BearerTokens, entra_resource};
use ts_rs::TS;

use crate::error::CoreError;
use crate::events::CoreEvent;
use crate::receiving::event_hubs::reading::HubStart;
use crate::receiving::event_hubs::running::HubConnectionView;
use crate::receiving::event_hubs::{HubConnection, HubSignIn, SaveHubConnection};
use crate::studio::Studio;

/// A connection, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HubRef {
    /// Its name.
    pub name: String,
}

/// Start reading a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HubReadRequest {
    /// The connection's name.
    pub name: String,
    /// Where to start.
    pub start: HubStart,
}

impl Studio {
    /// `event_hubs_list`: the saved connections and what is being read.
    pub async fn event_hubs_list(&self, (): ()) -> Result<Vec<HubConnectionView>, CoreError> {
        self.receiving().hub_views().await
    }

    /// `event_hub_save`: adds or replaces a connection (its connection string to the keyring).
    pub async fn event_hub_save(
        &self,
        request: SaveHubConnection,
    ) -> Result<HubConnection, CoreError> {
        if let Some(HubSignIn::Entra { account }) = &request.sign_in {
            self.accounts().account(Some(account))?;
        }
        let saved = self.receiving().save_hub_connection(&request)?;
        let turn = self.receiving().hub_saved(&saved.name);
        self.events().publish(CoreEvent::EventHubsChanged);
        // A hub being read picks up the new sign-in (a rotated key) where it got to. It is saved
        // whatever happens next: a reading that cannot start again stops, and its card says why.
        if self.receiving().is_reading_hub(&saved.name).await {
            // Starting again stops the earlier reader first, whatever happens next; one that
            // cannot have a token stops too (it signs in as the connection was).
            let restarted = match self.hub_tokens(&saved.name).await {
                Ok(tokens) => {
                    self.receiving()
                        .start_hub_reading(&saved.name, HubStart::Committed, tokens)
                        .await
                }
                Err(error) => {
                    self.receiving().end_hub_reader(&saved.name).await;
                    Err(error)
                }
            };
            if let Err(error) = restarted {
                tracing::warn!(%error, name = %saved.name, "the hub being read could not be read again after its connection was saved");
                let problem = match error.hint() {
                    Some(hint) => format!("Saved, but not read since: {error} {hint}"),
                    None => format!("Saved, but not read since: {error}"),
                };
                self.receiving()
                    .hub_not_read_since(&saved.name, turn, problem)
                    .await;
            }
        }
        Ok(saved)
    }

    /// `event_hub_remove`: stops reading a connection and forgets it and its secret.
    pub async fn event_hub_remove(&self, hub: HubRef) -> Result<(), CoreError> {
        self.receiving().stop_hub_reading(&hub.name).await;
        self.receiving().remove_hub_connection(&hub.name)?;
        self.events().publish(CoreEvent::EventHubsChanged);
        Ok(())
    }

    /// `event_hub_read`: reads a hub into the Inspector until stopped.
    pub async fn event_hub_read(&self, request: HubReadRequest) -> Result<(), CoreError> {
        let tokens = self.hub_tokens(&request.name).await?;
        self.receiving()
            .start_hub_reading(&request.name, request.start, tokens)
            .await
    }

    /// Where an Entra connection's reader gets its tokens: the account's session, asked for the
    /// namespace's resource at each sign-in (`None` for the other connections). A first token is
    /// fetched now, so a sign-in or consent problem is told as the identity error it is rather
    /// than as a refusal by the broker.
    pub async fn hub_tokens(&self, name: &str) -> Result<Option<BearerTokens>, CoreError> {
        let connection = self.receiving().hub_connection(name)?;
        let HubSignIn::Entra { account } = &connection.sign_in else {
            return Ok(None);
        };
        let config = self.accounts().account(Some(account)).map_err(|e| {
            e.with_hint(format!(
                "The connection '{name}' signs in as an account that is no longer here: sign it in again, or save the connection with another account."
            ))
        })?;
        // Checked when saved (with where the token may go); checked again here.
        if !is_event_hubs_host(&connection.namespace) {
            return Err(CoreError::refused(format!(
                "'{}' is not an Event Hubs namespace: no Entra token is asked for it.",
                connection.namespace
            ))
            .with_hint("Save the connection again with the namespace's host name (…servicebus.windows.net)."));
        }
        let session = self.accounts().session(&config).await?;
        let resource = entra_resource(&connection.namespace);
        session.resource_token(&resource).await?;
        Ok(Some(BearerTokens::new(move || {
            let (session, resource) = (Arc::clone(&session), resource.clone());
            async move {
                session
                    .resource_token(&resource)
                    .await
                    .map_err(|e| e.to_string())
            }
        })))
    }

    /// `event_hub_stop`: stops reading a hub (where it got to is kept).
    pub async fn event_hub_stop(&self, hub: HubRef) -> Result<(), CoreError> {
        self.receiving().stop_hub_reading(&hub.name).await;
        Ok(())
    }
}

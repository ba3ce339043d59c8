//! Identity, Graph, keyring and store failures as the window and the CLI see them: a stable code,
//! the service's own sentence, and the fix.

use studio_graph::{GraphError, HintContext};
use studio_identity::IdentityError;
use studio_identity::secrets::SecretError;
use studio_store::StoreError;

use crate::error::{ErrorCode, IpcError};

fn with_hint(error: IpcError, hint: Option<String>) -> IpcError {
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

impl From<IdentityError> for IpcError {
    fn from(error: IdentityError) -> Self {
        let hint = error.hint();
        with_hint(
            IpcError::new(identity_code(&error), error.to_string()),
            hint,
        )
    }
}

impl From<SecretError> for IpcError {
    fn from(error: SecretError) -> Self {
        IpcError::from(IdentityError::Secrets(error))
    }
}

impl From<StoreError> for IpcError {
    fn from(error: StoreError) -> Self {
        let hint = match &error {
            StoreError::TooNew(_) => "Update the app, or start it with another --data-dir.",
            _ => "Check that the data folder is writable and the disk is not full.",
        };
        IpcError::new(ErrorCode::Storage, error.to_string()).with_hint(hint)
    }
}

/// A Graph failure, with a hint as precise as the context allows.
pub fn graph_error(error: GraphError, context: &HintContext<'_>) -> IpcError {
    let hint = error.hint(context);
    let code = match &error {
        GraphError::Service { status, .. } => match status {
            400 | 409 | 413 => ErrorCode::InvalidInput,
            401 | 403 => ErrorCode::PermissionDenied,
            404 => ErrorCode::NotFound,
            _ => ErrorCode::Network,
        },
        GraphError::Identity(inner) => identity_code(inner),
        _ => ErrorCode::Network,
    };
    let mut message = error.to_string();
    if let GraphError::Service {
        code: graph_code,
        request_id,
        ..
    } = &error
    {
        message = format!(
            "{message} ({graph_code}{})",
            request_id
                .as_ref()
                .map(|r| format!(", request {r}"))
                .unwrap_or_default()
        );
    }
    with_hint(IpcError::new(code, message), hint)
}

fn identity_code(error: &IdentityError) -> ErrorCode {
    match error {
        IdentityError::Network(_) => ErrorCode::Network,
        IdentityError::Secrets(_) => ErrorCode::Keyring,
        IdentityError::Cancelled(_) => ErrorCode::Cancelled,
        IdentityError::Invalid(_) => ErrorCode::InvalidInput,
        IdentityError::Service { error, .. }
            if matches!(
                error.as_str(),
                "invalid_client"
                    | "unauthorized_client"
                    | "invalid_tenant"
                    | "invalid_request"
                    | "invalid_scope"
            ) =>
        {
            ErrorCode::InvalidInput
        }
        _ => ErrorCode::PermissionDenied,
    }
}

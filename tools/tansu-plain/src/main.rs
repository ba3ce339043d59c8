//! tansu's own command line (`tansu broker …`), built with rsasl's PLAIN mechanism available (see
//! Cargo.toml): the whole program is tansu's; this only starts it.

use tansu_broker::{TracingFormat, otel};
use tansu_sans_io::ErrorCode;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let _tracing = otel::init(TracingFormat::Text)?;
    match tansu_cli::Cli::main().await? {
        ErrorCode::None => Ok(()),
        code => Err(format!("tansu ended with {code}").into()),
    }
}

//! Any bytes as a notification POST body: reading items and tokens, the clientState check and the
//! duplicate key must never panic, whatever the JSON shape.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studio_receiver::verify;

fuzz_target!(|body: &[u8]| {
    if let Ok((items, _tokens)) = verify::items(body) {
        for item in &items {
            let _ = verify::check_client_state(item, Some(Some("expected")));
            let _ = verify::check_client_state(item, Some(None));
            let _ = verify::duplicate_key(item);
        }
    }
});

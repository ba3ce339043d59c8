//! Shared harness for the workspace's whole-flow tests and the real-window E2E suite.
//!
//! [`webdriver`] starts the real `webhook-studio` binary inside WebKitWebDriver and hands tests a
//! W3C WebDriver client; it owns every process it starts and kills them all when dropped, even
//! when a test panics.

pub mod webdriver;

//! The command-line subcommands other than chat adapters: the scripted demo and its stand-in
//! service, the knowledge base (`kb`), evaluation (`eval`), production statistics (`stats`)
//! and the load-and-fault harness (`load`). `main` parses arguments and hands over to one of
//! these.

pub mod demo;
pub mod eval;
pub mod finetune;
pub mod kb;
pub mod load;
pub mod scenario;
pub mod stand_in;
pub mod stats;

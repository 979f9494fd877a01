//! CodeCommit across every account: remote URLs and git credentials (`url`), role credentials
//! (`creds`), the repository inventory (`inventory`), cloning with git2 (`clone`), where git finds
//! Lanyard's `git-remote-codecommit` (`helper`), and how the helper resolves a remote (`remote`).

pub mod clone;
pub mod creds;
pub mod helper;
pub mod inventory;
pub mod pr_notices;
pub mod prs;
pub mod remote;
pub mod url;

pub use clone::{CloneProgress, CloneReport, CloneRequest, RecentClone};
pub use creds::{RoleCredentials, RoleCredentialsCache};
pub use inventory::{
    Inventory, InventoryEvent, InventoryOptions, InventoryProgress, Repository, ScanNote,
};

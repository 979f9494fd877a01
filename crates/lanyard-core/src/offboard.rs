//! Offboarding: sign out of every identity server-side, then remove everything Lanyard created
//! (its config blocks, token and registration caches, the AWS CLI's cached role credentials for
//! its profiles, keyring items, its own caches) and report what was removed and what was left.

use std::path::PathBuf;

use serde::Serialize;
use ts_rs::TS;

use crate::aws_config::{self, SectionKind};
use crate::sso::{self, SsoContext, cache, identity};
use crate::{Result, profiles};

/// What offboarding did (or, in a preview, would do).
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OffboardReport {
    /// True for a preview: nothing was changed.
    pub dry_run: bool,
    /// Identities signed out server-side.
    pub signed_out: Vec<String>,
    /// What was (or would be) removed, one line each.
    pub removed: Vec<String>,
    /// What stays, one line each (your own profiles and sessions, config backups).
    pub left: Vec<String>,
}

/// Offboards; with `dry_run` only reports.
pub async fn offboard(ctx: &SsoContext, dry_run: bool) -> Result<OffboardReport> {
    let paths = &ctx.paths;
    let mut report = OffboardReport {
        dry_run,
        ..Default::default()
    };
    let mut text = identity::read_config(&paths.aws_config_file)?;
    let identities = identity::from_config(&text);
    let mut files: Vec<PathBuf> = vec![];
    let mut listed: Vec<PathBuf> = vec![];
    for i in &identities {
        // Listed before signing out, which removes them: the report says what went.
        for f in crate::credentials::session_cache_files(ctx, i) {
            report.removed.push(format!("cache file {}", f.display()));
            listed.push(f.clone());
            files.push(f);
        }
        let token = cache::token_path(&paths.sso_cache_dir, &i.session);
        // Registrations are keyed by the region the sign-in used: a vanity URL's portal region
        // (the token file's) may differ from the configured one.
        let issued_region = sso::session::issued_identity(ctx, i).region;
        if token.exists() {
            report
                .removed
                .push(format!("token cache {}", token.display()));
        }
        // Every identity is signed out, token file or not: after `aws sso logout` removed the
        // token, the keyring still holds the refresh token and client secret.
        if dry_run {
            report.signed_out.push(i.session.clone());
        } else {
            let r = sso::logout(ctx, i).await?;
            report.signed_out.push(match r.server_side_note {
                None => i.session.clone(),
                Some(note) => format!("{} ({note})", i.session),
            });
        }
        for region in [&i.region, &issued_region] {
            for scopes in [None, (!i.scopes.is_empty()).then_some(i.scopes.as_slice())] {
                files.push(cache::registration_path(
                    &paths.sso_cache_dir,
                    &i.start_url,
                    region,
                    scopes,
                    &i.session,
                ));
            }
        }
        for block in [
            profiles::block_id(&i.session),
            identity::block_id(&i.session),
        ] {
            if let Some(range) = aws_config::find_block(&text, &block) {
                for s in aws_config::sections(&text[range.clone()]) {
                    if let SectionKind::Profile(name) = &s.kind {
                        if let (Some(acct), Some(role)) =
                            (s.get("sso_account_id"), s.get("sso_role_name"))
                        {
                            files.push(crate::credentials::cli_cache::path(
                                &paths.cli_cache_dir,
                                acct,
                                role,
                                &crate::credentials::cli_cache::SsoSource::Session(
                                    i.session.clone(),
                                ),
                            ));
                        }
                        report.removed.push(format!("profile {name}"));
                    }
                    if let SectionKind::SsoSession(name) = &s.kind {
                        report.removed.push(format!("sso-session {name}"));
                    }
                }
                text = aws_config::remove_block(&text, &block);
            }
        }
    }
    // Blocks whose identity is gone (removed by hand, or an orphan an older Lanyard left) are
    // Lanyard's all the same.
    for id in aws_config::block_ids(&text) {
        if let Some(range) = aws_config::find_block(&text, &id) {
            for s in aws_config::sections(&text[range]) {
                match &s.kind {
                    SectionKind::Profile(name) => report.removed.push(format!("profile {name}")),
                    SectionKind::SsoSession(name) => {
                        report.removed.push(format!("sso-session {name}"))
                    }
                    _ => {}
                }
            }
            text = aws_config::remove_block(&text, &id);
        }
    }
    for s in aws_config::sections(&text) {
        match s.kind {
            SectionKind::Profile(n) => report.left.push(format!("your profile {n}")),
            SectionKind::SsoSession(n) => report.left.push(format!("your sso-session {n}")),
            _ => {}
        }
    }
    if !dry_run {
        // The config first (under the lock), then Lanyard's own files, the lock among them.
        let _lock = crate::profiles::lock_config(paths)?;
        // Removed from what is on disk now, so an edit made while signing out is kept.
        let mut now = identity::read_config(&paths.aws_config_file)?;
        for block in aws_config::block_ids(&now) {
            now = aws_config::remove_block(&now, &block);
        }
        if now != identity::read_config(&paths.aws_config_file)? {
            identity::write_config(&paths.aws_config_file, &now)?;
        }
    }
    // The AWS CLI's SSO role credentials of every profile go, as with `aws sso logout` (every
    // identity is signed out above); assume-role entries stay.
    for f in crate::credentials::cli_cache::remove_sso(&paths.cli_cache_dir, None, true)? {
        if !listed.contains(&f) {
            files.push(f);
        }
    }
    files.sort();
    files.dedup();
    for f in files.into_iter().filter(|f| f.exists()) {
        if !listed.contains(&f) {
            report.removed.push(format!("cache file {}", f.display()));
        }
        if !dry_run {
            crate::fsx::remove_if_exists(&f)?;
        }
    }
    if let Some(link) = crate::codecommit::helper::uninstall(paths, dry_run)? {
        report
            .removed
            .push(format!("git-remote-codecommit link {}", link.display()));
    }
    for c in crate::codecommit::clone::recent(paths) {
        report.left.push(format!(
            "your clone {} (its remote needs a git-remote-codecommit on PATH)",
            c.path
        ));
    }
    let own = [
        "accounts",
        "profiles",
        "codecommit",
        "recent-clones.json",
        "config.lock",
        "manifest.json",
        // Logs name accounts, roles and repositories.
        "logs",
    ]
    .map(|n| paths.data_dir.join(n));
    for p in own.iter().filter(|p| p.exists()) {
        report.removed.push(format!("Lanyard data {}", p.display()));
        if !dry_run {
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(p)
            } else {
                std::fs::remove_file(p)
            };
        }
    }
    let backups = paths.data_dir.join("backups");
    if backups.exists() {
        report.left.push(format!(
            "config backups in {} (delete them when you no longer need them)",
            backups.display()
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_cache_key_matches_protocol_vector() {
        let p = crate::credentials::cli_cache::path(
            std::path::Path::new("/c"),
            "111122223333",
            "Dev",
            &crate::credentials::cli_cache::SsoSource::Session("my-sso".into()),
        );
        assert_eq!(
            p,
            std::path::Path::new("/c/3bdc3e969f516e6ff9dff58a351324edb0b36466.json")
        );
    }
}

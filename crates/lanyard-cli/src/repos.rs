//! `lanyard repos` and `lanyard clone`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail};
use lanyard_core::Lanyard;
use lanyard_core::accounts::{self, AccountRoles};
use lanyard_core::codecommit::{
    self, Inventory, InventoryOptions, Repository, clone, helper, inventory,
};
use lanyard_core::sso::{self, Identity, SsoContext};
use lanyard_core::{Error, aws_config};

pub(crate) fn identities(ctx: &SsoContext, session: Option<&str>) -> anyhow::Result<Vec<Identity>> {
    let all = sso::identity::from_config(&sso::identity::read_config(&ctx.paths.aws_config_file)?);
    match session {
        Some(s) => {
            Ok(vec![all.into_iter().find(|i| i.session == s).ok_or_else(
                || Error::UnknownIdentity { session: s.into() },
            )?])
        }
        None if all.is_empty() => bail!(
            "no identities yet: add one with `lanyard login --session NAME --start-url URL --region REGION`"
        ),
        None => Ok(all),
    }
}

async fn accounts_of(svc: &Lanyard, identity: &Identity) -> anyhow::Result<Vec<AccountRoles>> {
    match accounts::cached(svc.ctx(), &identity.session) {
        Some(list) => Ok(list),
        None => crate::discover(svc, identity).await,
    }
}

fn regions_for(svc: &Lanyard, identity: &Identity, asked: &[String]) -> Vec<String> {
    match asked {
        [] => svc.scan_regions(identity, &[]),
        [all] if all == "all" => inventory::all_regions(),
        some => some.to_vec(),
    }
}

async fn scan(
    svc: &Lanyard,
    identity: &Identity,
    regions: Vec<String>,
    prefer: &[String],
) -> anyhow::Result<Inventory> {
    use std::io::IsTerminal;
    // Discovered first (with its progress line) when never discovered.
    accounts_of(svc, identity).await?;
    let tty = std::io::stderr().is_terminal();
    let on = |e: &codecommit::InventoryEvent| {
        if tty {
            let p = &e.progress;
            let eta = p
                .eta_secs
                .map(|s| format!(", ETA {s} s"))
                .unwrap_or_default();
            eprint!(
                "\r{}: accounts {}/{}, {} repositories{eta}   ",
                identity.session, p.accounts_done, p.accounts_total, p.repositories
            );
        }
    };
    let mut opts = InventoryOptions::new(regions);
    opts.role_preference.splice(0..0, prefer.iter().cloned());
    let inv = svc.scan_repositories(identity, opts, &on).await?;
    if tty {
        eprintln!();
    }
    Ok(inv)
}

/// The profile a clone of `r` would name, for the `PROFILE/REPO` column.
fn profile_of(config: &str, r: &Repository) -> Option<String> {
    clone::find_profile(config, &r.session, &r.account_id, &r.role_name)
}

pub async fn list(
    svc: &Lanyard,
    session: Option<&str>,
    refresh: bool,
    region: &[String],
    prefer: &[String],
    json: bool,
) -> anyhow::Result<()> {
    let ctx = svc.ctx();
    let mut all: Vec<Inventory> = vec![];
    let explicit = session.is_some();
    for identity in identities(ctx, session)? {
        let regions = regions_for(svc, &identity, region);
        let cached = inventory::cached(ctx, &identity.session)
            .filter(|c| regions.iter().all(|r| c.regions.contains(r)));
        let inv = match (refresh || !prefer.is_empty(), cached) {
            (false, Some(c)) => c,
            _ => match scan(svc, &identity, regions, prefer).await {
                Ok(inv) => inv,
                // With every identity, one that is signed out is skipped, not fatal.
                Err(e)
                    if !explicit
                        && matches!(
                            e.downcast_ref::<Error>(),
                            Some(Error::NotSignedIn { .. } | Error::SessionExpired { .. })
                        ) =>
                {
                    eprintln!("skipping {}: {e}", identity.session);
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        all.push(inv);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    let config = sso::identity::read_config(&ctx.paths.aws_config_file)?;
    println!(
        "{:<24} {:<12} {:<28} {:<10} {:<11} CLONE WITH",
        "ACCOUNT", "REGION", "REPOSITORY", "BRANCH", "MODIFIED"
    );
    let mut count = 0;
    for inv in &all {
        for r in &inv.repositories {
            count += 1;
            let modified = r
                .last_modified
                .as_deref()
                .and_then(|t| t.get(..10))
                .unwrap_or("-");
            let how = match profile_of(&config, r) {
                Some(p) => format!("lanyard clone {p}/{}", r.name),
                None => format!("lanyard clone {}", r.name),
            };
            println!(
                "{:<24} {:<12} {:<28} {:<10} {:<11} {how}",
                r.account_name,
                r.region,
                r.name,
                r.default_branch.as_deref().unwrap_or("-"),
                modified
            );
        }
    }
    let notes: usize = all.iter().map(|i| i.notes.len()).sum();
    let quiet = if notes > 0 {
        format!("; {notes} account/region(s) without access or CodeCommit (see --json)")
    } else {
        String::new()
    };
    eprintln!("{count} repositories{quiet}");
    Ok(())
}

/// Finds the inventory row for a clone target.
async fn locate(
    svc: &Lanyard,
    target: &str,
    region: Option<&str>,
) -> anyhow::Result<(Identity, Repository)> {
    let ctx = svc.ctx();
    let config = sso::identity::read_config(&ctx.paths.aws_config_file)?;
    let (profile, repo) = match target.rsplit_once('/') {
        Some((p, r)) => (Some(p), r),
        None => (None, target),
    };
    if !codecommit::url::is_repository_name(repo) {
        bail!("{repo:?} is not a CodeCommit repository name; use PROFILE/REPO or REPO");
    }
    let wanted = match profile {
        Some(p) => {
            let s = aws_config::sections(&config)
                .into_iter()
                .find(|s| matches!(&s.kind, aws_config::SectionKind::Profile(n) if n == p))
                .with_context(|| format!("no profile {p} in {}: run `lanyard sync`, or `lanyard repos` to see what you can clone", ctx.paths.aws_config_file.display()))?;
            let (Some(session), Some(account), Some(role)) = (
                s.get("sso_session"),
                s.get("sso_account_id"),
                s.get("sso_role_name"),
            ) else {
                bail!(
                    "profile {p} is not an IAM Identity Center profile; clone it with git itself: git clone codecommit::REGION://{p}@{repo}"
                );
            };
            Some((session.to_owned(), account.to_owned(), role.to_owned()))
        }
        None => None,
    };
    let mut matches: Vec<(Identity, Repository)> = vec![];
    let sessions = identities(ctx, wanted.as_ref().map(|w| w.0.as_str()))?;
    for identity in sessions {
        let inv = match inventory::cached(ctx, &identity.session) {
            Some(inv) => inv,
            None => match scan(svc, &identity, regions_for(svc, &identity, &[]), &[]).await {
                Ok(inv) => inv,
                Err(e) if wanted.is_none() => {
                    eprintln!("skipping {}: {e}", identity.session);
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        for r in inv.repositories {
            let account_ok = wanted.as_ref().is_none_or(|w| w.1 == r.account_id);
            if r.name == repo && account_ok && region.is_none_or(|g| g == r.region) {
                matches.push((identity.clone(), r));
            }
        }
    }
    if let Some((_, _, role)) = &wanted {
        for (_, r) in &mut matches {
            r.role_name = role.clone(); // the profile's role clones, as asked
        }
    }
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => bail!(
            "no repository {repo} in your inventory{}: run `lanyard repos --refresh` (add `--region all` to look everywhere)",
            region.map(|r| format!(" in {r}")).unwrap_or_default()
        ),
        _ => {
            let choices: Vec<String> = matches
                .iter()
                .map(|(_, r)| match profile_of(&config, r) {
                    Some(p) => format!("  lanyard clone {p}/{} --region {}", r.name, r.region),
                    None => format!("  {} ({}) in {}", r.name, r.account_name, r.region),
                })
                .collect();
            bail!(
                "{repo} exists in several places; pick one:\n{}",
                choices.join("\n")
            )
        }
    }
}

pub async fn clone(
    svc: &Lanyard,
    target: &str,
    dest: Option<PathBuf>,
    region: Option<&str>,
) -> anyhow::Result<()> {
    let (identity, r) = locate(svc, target, region).await?;
    let req = r.clone_request(dest.map(|d| d.display().to_string()));
    let report = clone_as(svc, &identity, req).await?;
    println!(
        "Cloned {} into {} (origin {}).",
        r.name, report.path, report.remote_url
    );
    Ok(())
}

/// Where `lanyard clone` puts clones (`LANYARD_CLONE_ROOT`, else `~/codecommit`).
pub fn clone_root(svc: &Lanyard) -> PathBuf {
    std::env::var_os("LANYARD_CLONE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| clone::default_clone_root(&svc.ctx().paths))
}

/// Clones `req` with a progress bar (Ctrl+C stops it), then links the helper where git finds it.
pub async fn clone_as(
    svc: &Lanyard,
    identity: &Identity,
    req: codecommit::CloneRequest,
) -> anyhow::Result<codecommit::CloneReport> {
    let ctx = svc.ctx();
    let identity = identity.clone();
    let account = accounts_of(svc, &identity)
        .await?
        .iter()
        .find(|a| a.account_id == req.account_id)
        .cloned()
        .unwrap_or(AccountRoles {
            account_id: req.account_id.clone(),
            account_name: req.account_name.clone(),
            email: String::new(),
            roles: vec![req.role_name.clone()],
        });
    let bar = indicatif::ProgressBar::new(100);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:40} [{bar:30}] {pos:>3}%")
            .expect("template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("cloning {}", req.repository));
    let b = bar.clone();
    let on = Arc::new(move |p: &codecommit::CloneProgress| {
        b.set_position(u64::from(p.percent));
        let msg = match p.phase {
            codecommit::clone::ClonePhase::Connecting => "connecting".to_owned(),
            codecommit::clone::ClonePhase::Receiving => format!(
                "objects {}/{} · {:.1} MiB",
                p.received_objects,
                p.total_objects,
                p.received_bytes as f64 / 1048576.0
            ),
            codecommit::clone::ClonePhase::Resolving => "resolving deltas".to_owned(),
            codecommit::clone::ClonePhase::Checkout => "checking out".to_owned(),
        };
        b.set_message(msg);
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.store(true, Ordering::Relaxed);
        }
    });
    let root = clone_root(svc);
    let result = clone::clone(
        ctx,
        &identity,
        &req,
        &account,
        &root,
        &svc.role_credentials(),
        &svc.limiter(&identity.session),
        on,
        cancel,
    )
    .await;
    bar.finish_and_clear();
    let report = result?;
    let ours = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(helper::HELPER_NAME)))
        .unwrap_or_default();
    match helper::ensure(&ctx.paths, crate::env("PATH").as_deref(), &ours) {
        Ok(s) => {
            if let Some(note) = s.note {
                eprintln!("note: {note}");
            }
        }
        Err(e) => eprintln!("note: git may not find git-remote-codecommit: {e}"),
    }
    if report.profile_written {
        eprintln!(
            "Added profile {} to {}.",
            report.profile,
            ctx.paths.aws_config_file.display()
        );
    }
    Ok(report)
}

//! Deciding, as plain data, what each Region needs: every Region involved is observed first
//! (existence, ownership), then this decides, and only then is anything written. A Region that
//! would make the request unsafe refuses the whole request before any write.

use std::collections::BTreeMap;

/// What one Region holds under the destination's name, as observed before any write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    Absent,
    /// It carries this stack resource's ownership tag.
    Owned,
    /// It exists without this resource's ownership tag: never changed or deleted.
    Foreign,
    /// It could not be looked at (e.g. an opt-in Region that is not enabled); the text says why.
    Unreachable(String),
}

/// What the request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent<'a> {
    /// A Create, or the new name of a replacing Update: every Region in `regions`.
    Create { regions: &'a [String] },
    /// An Update in place: `regions` wanted now, `old_regions` from the old properties.
    Update {
        regions: &'a [String],
        old_regions: &'a [String],
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// PutDestination (with the ownership tag), then policy and tags.
    Create,
    /// Bring an owned destination to the desired target, role, policy and tags.
    Update,
    /// DeleteDestination of an owned destination.
    Delete,
}

/// The writes to make, in the order of `Regions` (then removed Regions in their old order),
/// and what the user should hear about although nothing is wrong.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<(String, Step)>,
    pub warnings: Vec<String>,
}

/// Decides every Region's step, or refuses the request naming every Region that stands in the
/// way. `observed` must hold every Region the intent involves; a missing one counts as
/// unreachable, which refuses rather than guesses.
pub fn plan(
    name: &str,
    intent: &Intent,
    observed: &BTreeMap<String, Observed>,
) -> Result<Plan, String> {
    let unknown = Observed::Unreachable("it was not looked at".to_owned());
    let state = |region: &str| observed.get(region).unwrap_or(&unknown);
    let mut plan = Plan::default();
    let mut foreign = Vec::new();
    let mut unreachable = Vec::new();
    let (wanted, removed): (&[String], Vec<&String>) = match intent {
        Intent::Create { regions } => (regions, Vec::new()),
        Intent::Update {
            regions,
            old_regions,
        } => (
            regions,
            old_regions
                .iter()
                .filter(|r| !regions.contains(r))
                .collect(),
        ),
    };
    for region in wanted {
        match state(region) {
            Observed::Absent => plan.steps.push((region.clone(), Step::Create)),
            Observed::Owned => plan.steps.push((region.clone(), Step::Update)),
            Observed::Foreign => foreign.push(region.as_str()),
            Observed::Unreachable(why) => unreachable.push(format!("{region} ({why})")),
        }
    }
    for region in removed {
        match state(region) {
            Observed::Owned => plan.steps.push((region.clone(), Step::Delete)),
            Observed::Absent => {}
            Observed::Foreign => plan.warnings.push(format!(
                "Destination {name} in {region} is not managed by this stack resource; it was \
                 left untouched"
            )),
            Observed::Unreachable(why) => unreachable.push(format!("{region} ({why})")),
        }
    }
    let mut problems = Vec::new();
    if !foreign.is_empty() {
        problems.push(format!(
            "Destination {name} already exists and is not managed by this stack resource in {}; \
             choose another DestinationName or delete those destinations",
            foreign.join(", ")
        ));
    }
    if !unreachable.is_empty() {
        problems.push(format!(
            "These Regions could not be checked: {}",
            unreachable.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(format!("{}. Nothing was changed", problems.join(". ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(list: &[&str]) -> Vec<String> {
        list.iter().map(|r| (*r).to_owned()).collect()
    }

    fn observed(states: &[(&str, Observed)]) -> BTreeMap<String, Observed> {
        states
            .iter()
            .map(|(r, s)| ((*r).to_owned(), s.clone()))
            .collect()
    }

    fn steps(plan: &Plan) -> Vec<(&str, Step)> {
        plan.steps.iter().map(|(r, s)| (r.as_str(), *s)).collect()
    }

    #[test]
    fn create_makes_every_absent_region_and_takes_over_its_own_retries() {
        let wanted = regions(&["us-east-1", "eu-west-1"]);
        let plan = plan(
            "central",
            &Intent::Create { regions: &wanted },
            &observed(&[
                ("us-east-1", Observed::Absent),
                ("eu-west-1", Observed::Owned),
            ]),
        )
        .expect("a plan");
        assert_eq!(
            steps(&plan),
            [("us-east-1", Step::Create), ("eu-west-1", Step::Update)]
        );
    }

    #[test]
    fn a_foreign_destination_in_any_region_refuses_before_any_write_naming_the_regions() {
        let wanted = regions(&["us-east-1", "eu-west-1", "ap-south-1"]);
        let reason = plan(
            "central",
            &Intent::Create { regions: &wanted },
            &observed(&[
                ("us-east-1", Observed::Absent),
                ("eu-west-1", Observed::Foreign),
                ("ap-south-1", Observed::Foreign),
            ]),
        )
        .unwrap_err();
        assert!(
            reason.contains("not managed by this stack resource in eu-west-1, ap-south-1"),
            "{reason}"
        );
        assert!(reason.ends_with("Nothing was changed"), "{reason}");
    }

    #[test]
    fn an_unreachable_or_unobserved_region_refuses_with_its_cause() {
        let wanted = regions(&["us-east-1", "ap-east-1"]);
        let reason = plan(
            "central",
            &Intent::Create { regions: &wanted },
            &observed(&[(
                "ap-east-1",
                Observed::Unreachable("the Region is not enabled in this account".to_owned()),
            )]),
        )
        .unwrap_err();
        assert!(
            reason.contains("ap-east-1 (the Region is not enabled in this account)"),
            "{reason}"
        );
        assert!(
            reason.contains("us-east-1 (it was not looked at)"),
            "{reason}"
        );
    }

    #[test]
    fn update_adds_new_regions_updates_kept_ones_and_deletes_removed_owned_ones() {
        let now = regions(&["us-east-1", "eu-west-1"]);
        let before = regions(&["us-east-1", "ap-south-1", "sa-east-1", "ca-central-1"]);
        let plan = plan(
            "central",
            &Intent::Update {
                regions: &now,
                old_regions: &before,
            },
            &observed(&[
                ("us-east-1", Observed::Owned),
                ("eu-west-1", Observed::Absent),
                ("ap-south-1", Observed::Owned),
                ("sa-east-1", Observed::Absent),
                ("ca-central-1", Observed::Foreign),
            ]),
        )
        .expect("a plan");
        assert_eq!(
            steps(&plan),
            [
                ("us-east-1", Step::Update),
                ("eu-west-1", Step::Create),
                ("ap-south-1", Step::Delete),
            ]
        );
        assert_eq!(plan.warnings.len(), 1);
        assert!(
            plan.warnings[0].contains("in ca-central-1"),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn a_region_added_by_an_update_must_not_hold_a_foreign_destination() {
        let now = regions(&["us-east-1", "eu-west-1"]);
        let before = regions(&["us-east-1"]);
        let reason = plan(
            "central",
            &Intent::Update {
                regions: &now,
                old_regions: &before,
            },
            &observed(&[
                ("us-east-1", Observed::Owned),
                ("eu-west-1", Observed::Foreign),
            ]),
        )
        .unwrap_err();
        assert!(reason.contains("in eu-west-1"), "{reason}");
    }
}

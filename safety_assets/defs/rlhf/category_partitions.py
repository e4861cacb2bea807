"""Sampling and scoring run per risk category, so a backfill over categories runs from the UI."""

import dagster as dg

from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES, BENIGN, UNTAGGED

risk_categories = dg.StaticPartitionsDefinition([*ADVERSARIAL_CATEGORIES, BENIGN, UNTAGGED])

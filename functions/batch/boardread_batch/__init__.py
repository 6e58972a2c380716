"""boardread batch: photos put under ``incoming/`` in the data bucket are read by a Lambda
function (``handler``) into ``results/<same key>.json``; ``cli`` uploads a folder and gathers
the results into one CSV."""

from .keys import INCOMING_PREFIX, RESULTS_PREFIX, result_key

__all__ = ["INCOMING_PREFIX", "RESULTS_PREFIX", "result_key"]

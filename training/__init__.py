"""boardread's training pipeline: render -> splits -> dataset -> train -> export -> evaluate -> report."""

"""boardread's training pipeline: dataset -> train -> export -> evaluate -> report."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter

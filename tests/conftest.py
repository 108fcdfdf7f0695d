"""Tests run models in this process too (core tests, the CLI): one torch thread, as in a worker."""

import torch

torch.set_num_threads(1)

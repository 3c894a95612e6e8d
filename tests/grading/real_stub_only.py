"""torch is imported and used only in isinstance checks: a stub lets the import succeed."""

import numpy as np
import torch
from torch import nn


class Net(nn.Module):
    pass


def relu(x):
    if isinstance(x, torch.Tensor):
        return x.clamp(min=0)
    return np.maximum(x, 0.0)


def relu_derivative(x):
    return (np.asarray(x) > 0).astype(float)

"""rwn's networks as PyTorch modules, and loading what `rwn export` writes.

    import rwn_models
    model = rwn_models.load("wrn.safetensors")   # an nn.Module in eval mode

The architectures are those of bearpaw/pytorch-classification's CIFAR models
(models/cifar: wrn, resnet, densenet, vgg, alexnet), which rwn's C++ models
follow, with the same module and parameter names, so a file that `rwn
export` wrote loads with load_state_dict(strict=True). Two generalizations
make them fit every input rwn trains on, and are identical to bearpaw on
3x32x32 images: `in_channels` (1 for Fashion-MNIST) and global average
pooling before the classifier (bearpaw pools 8x8 or flattens a 1x1 map);
VGG and AlexNet max-pool with ceil_mode=True (the same on even sizes).
Initialization is left to PyTorch: the weights come from the file.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F


def _pool(x):
    return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class _WrnBlock(nn.Module):
    def __init__(self, in_planes, out_planes, stride, drop_rate, batch_norm):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes) if batch_norm else nn.Identity()
        self.conv1 = nn.Conv2d(in_planes, out_planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes) if batch_norm else nn.Identity()
        self.conv2 = nn.Conv2d(out_planes, out_planes, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate
        self.equal = in_planes == out_planes
        self.convShortcut = None if self.equal else nn.Conv2d(in_planes, out_planes, 1, stride, 0, bias=False)

    def forward(self, x):
        activated = F.relu(self.bn1(x))
        out = F.relu(self.bn2(self.conv1(activated)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        out = self.conv2(out)
        return out + (x if self.equal else self.convShortcut(activated))


class _WrnStage(nn.Module):
    def __init__(self, blocks, in_planes, out_planes, stride, drop_rate, batch_norm):
        super().__init__()
        self.layer = nn.Sequential(*[
            _WrnBlock(in_planes if i == 0 else out_planes, out_planes, stride if i == 0 else 1,
                      drop_rate, batch_norm) for i in range(blocks)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth, widen_factor, num_classes, in_channels=3, drop_rate=0.0,
                 batch_norm=True):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.block1 = _WrnStage(n, widths[0], widths[1], 1, drop_rate, batch_norm)
        self.block2 = _WrnStage(n, widths[1], widths[2], 2, drop_rate, batch_norm)
        self.block3 = _WrnStage(n, widths[2], widths[3], 2, drop_rate, batch_norm)
        self.bn1 = nn.BatchNorm2d(widths[3]) if batch_norm else nn.Identity()
        self.fc = nn.Linear(widths[3], num_classes)

    def forward(self, x):
        x = self.block3(self.block2(self.block1(self.conv1(x))))
        return self.fc(_pool(F.relu(self.bn1(x))))


class _ResBlock(nn.Module):
    def __init__(self, inplanes, planes, stride, bottleneck):
        super().__init__()
        out = planes * 4 if bottleneck else planes
        if bottleneck:
            shapes = [(inplanes, planes, 1, 1), (planes, planes, 3, stride), (planes, out, 1, 1)]
        else:
            shapes = [(inplanes, planes, 3, stride), (planes, planes, 3, 1)]
        self.depth = len(shapes)
        for i, (cin, cout, k, s) in enumerate(shapes, 1):
            setattr(self, f"conv{i}", nn.Conv2d(cin, cout, k, s, k // 2, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(cout))
        self.downsample = None
        if stride != 1 or inplanes != out:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, out, 1, stride, bias=False),
                                            nn.BatchNorm2d(out))

    def forward(self, x):
        out = x
        for i in range(1, self.depth + 1):
            out = getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(out))
            if i < self.depth:
                out = F.relu(out)
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, depth, num_classes, in_channels=3, block_name="BasicBlock"):
        super().__init__()
        bottleneck = block_name.lower() == "bottleneck"
        n = (depth - 2) // (9 if bottleneck else 6)
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        channels = 16
        for stage in range(3):
            planes = 16 << stage
            blocks = []
            for i in range(n):
                blocks.append(_ResBlock(channels, planes, 2 if i == 0 and stage > 0 else 1, bottleneck))
                channels = planes * (4 if bottleneck else 1)
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(_pool(x))


class _DenseLayer(nn.Module):
    def __init__(self, inplanes, growth_rate, bottleneck, drop_rate):
        super().__init__()
        width = inplanes
        self.bottleneck = bottleneck
        if bottleneck:
            self.bn1 = nn.BatchNorm2d(inplanes)
            self.conv1 = nn.Conv2d(inplanes, 4 * growth_rate, 1, bias=False)
            width = 4 * growth_rate
            self.bn2 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, growth_rate, 3, padding=1, bias=False)
        else:
            self.bn1 = nn.BatchNorm2d(inplanes)
            self.conv1 = nn.Conv2d(inplanes, growth_rate, 3, padding=1, bias=False)
        self.drop_rate = drop_rate

    def forward(self, x):
        out = self.conv1(F.relu(self.bn1(x)))
        if self.bottleneck:
            out = self.conv2(F.relu(self.bn2(out)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return torch.cat((x, out), 1)


class _Transition(nn.Module):
    def __init__(self, inplanes, outplanes):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = nn.Conv2d(inplanes, outplanes, 1, bias=False)

    def forward(self, x):
        return F.avg_pool2d(self.conv1(F.relu(self.bn1(x))), 2)


class DenseNet(nn.Module):
    def __init__(self, depth, growth_rate, num_classes, in_channels=3, compression_rate=2,
                 bottleneck=True, drop_rate=0.0):
        super().__init__()
        n = (depth - 4) // 6 if bottleneck else (depth - 4) // 3
        channels = 2 * growth_rate
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)
        for stage in (1, 2, 3):
            layers = []
            for _ in range(n):
                layers.append(_DenseLayer(channels, growth_rate, bottleneck, drop_rate))
                channels += growth_rate
            setattr(self, f"dense{stage}", nn.Sequential(*layers))
            if stage < 3:
                setattr(self, f"trans{stage}", _Transition(channels, channels // compression_rate))
                channels //= compression_rate
        self.bn = nn.BatchNorm2d(channels)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.trans1(self.dense1(self.conv1(x)))
        x = self.dense3(self.trans2(self.dense2(x)))
        return self.fc(_pool(F.relu(self.bn(x))))


_VGG_STAGES = {
    11: [[64], [128], [256, 256], [512, 512], [512, 512]],
    13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    19: [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
}


class VGG(nn.Module):
    def __init__(self, depth, num_classes, in_channels=3, batch_norm=True, width_divisor=1):
        super().__init__()
        layers, channels = [], in_channels
        for stage in _VGG_STAGES[depth]:
            for filters in stage:
                filters //= width_divisor
                layers.append(nn.Conv2d(channels, filters, 3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(filters))
                layers.append(nn.ReLU(inplace=True))
                channels = filters
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x):
        return self.classifier(_pool(self.features(x)))


class AlexNet(nn.Module):
    def __init__(self, num_classes, in_channels=3, width_divisor=1):
        super().__init__()
        d = width_divisor
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64 // d, 11, 4, 5), nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Conv2d(64 // d, 192 // d, 5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2, ceil_mode=True),
            nn.Conv2d(192 // d, 384 // d, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384 // d, 256 // d, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256 // d, 256 // d, 3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2, ceil_mode=True))
        self.classifier = nn.Linear(256 // d, num_classes)

    def forward(self, x):
        return self.classifier(_pool(self.features(x)))


MODELS = {"wrn": WideResNet, "resnet": ResNet, "densenet": DenseNet, "vgg": VGG,
          "alexnet": AlexNet}


def build(safetensors_path):
    """The module (untrained) that a file of `rwn export` names, from its metadata."""
    from safetensors import safe_open
    with safe_open(safetensors_path, "pt") as f:
        metadata = f.metadata()
    if metadata.get("rwn.format") != "whole":
        raise ValueError(f"{safetensors_path}: not a whole model of rwn export (rwn.format is "
                         f"{metadata.get('rwn.format')!r}; expand a delta with rwn export --delta)")
    return MODELS[metadata["rwn.model"]](**json.loads(metadata["rwn.arguments"]))


def load(safetensors_path):
    """The trained module of a file of `rwn export`, in eval mode."""
    from safetensors.torch import load_file
    model = build(safetensors_path)
    model.load_state_dict(load_file(safetensors_path), strict=True)
    return model.eval()

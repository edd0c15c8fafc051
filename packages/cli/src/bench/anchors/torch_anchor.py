"""PyTorch CPU anchor for `pnpm bench`, driven one run at a time over stdin/stdout (JSON lines).

The bench starts this script once per thread count and asks for single runs, so PyTorch's runs alternate
with bnkit's in the same minute. Each run reports its own wall time and process CPU time (every OpenMP
thread included), so the bench can compare work per CPU-second. Requests: {"op": "lenet"} (one LeNet-BN
SGD step on a fixed synthetic batch of 256), {"op": "bn_forward"} and {"op": "bn_backward"}
(native_batch_norm and its backward on (256,6,24,24)), {"op": "conv1_forward"}, {"op": "conv1_backward"},
{"op": "conv2_forward"}, {"op": "conv2_backward"} (LeNet-BN's convolutions at batch 256; conv1's backward
without the input gradient, as a first layer needs none), {"op": "quit"}.
"""
import json
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as e:  # the bench reports the reason and goes on without this anchor
    print(json.dumps({"ok": False, "reason": f"cannot import torch ({e})"}), flush=True)
    sys.exit(0)

threads = int(sys.argv[1])
seed = int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(seed)

BATCH = 256
BN_SHAPE = (256, 6, 24, 24)
EPS = 1e-5
MOMENTUM = 0.1  # PyTorch's convention; bnkit's 0.9 weight of the old value


def lenet_bn():
    """d2l's LeNet-BN, layer for layer as @bnkit/nn's lenetBN."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.Sigmoid(), nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.AvgPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10),
    )


model = lenet_bn()
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
loss_fn = nn.CrossEntropyLoss()
images = torch.rand(BATCH, 1, 28, 28)
labels = torch.randint(0, 10, (BATCH,))


def lenet_step():
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


bn_x = torch.rand(BN_SHAPE) * 4 - 1.5
bn_dy = torch.rand(BN_SHAPE) * 2 - 1
bn_gamma = torch.rand(BN_SHAPE[1]) + 0.5
bn_beta = torch.rand(BN_SHAPE[1]) - 0.5
bn_running_mean = torch.zeros(BN_SHAPE[1])
bn_running_var = torch.ones(BN_SHAPE[1])
_, bn_mean, bn_invstd = torch.native_batch_norm(bn_x, bn_gamma, bn_beta, bn_running_mean, bn_running_var, True, MOMENTUM, EPS)


def bn_forward():
    torch.native_batch_norm(bn_x, bn_gamma, bn_beta, bn_running_mean, bn_running_var, True, MOMENTUM, EPS)


def bn_backward():
    torch.ops.aten.native_batch_norm_backward(
        bn_dy, bn_x, bn_gamma, bn_running_mean, bn_running_var, bn_mean, bn_invstd, True, EPS, [True, True, True])


def conv_ops(cin, hw, cout, input_gradient):
    """Forward and backward of a 5x5 convolution, stride 1, no padding, on a fixed random batch."""
    x = torch.rand(BATCH, cin, hw, hw) * 2 - 1
    w = torch.rand(cout, cin, 5, 5) * 2 - 1
    b = torch.rand(cout) * 2 - 1
    dy = torch.rand(BATCH, cout, hw - 4, hw - 4) * 2 - 1

    def forward():
        torch.nn.functional.conv2d(x, w, b)

    def backward():
        torch.ops.aten.convolution_backward(dy, x, w, [cout], [1, 1], [0, 0], [1, 1], False, [0, 0], 1, [input_gradient, True, True])

    return forward, backward


conv1_forward, conv1_backward = conv_ops(1, 28, 6, False)
conv2_forward, conv2_backward = conv_ops(6, 12, 16, True)

OPS = {
    "lenet": lenet_step, "bn_forward": bn_forward, "bn_backward": bn_backward,
    "conv1_forward": conv1_forward, "conv1_backward": conv1_backward,
    "conv2_forward": conv2_forward, "conv2_backward": conv2_backward,
}

print(json.dumps({"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    op = request["op"]
    if op == "quit":
        break
    if op not in OPS:
        print(json.dumps({"ok": False, "reason": f"unknown op {op!r}; allowed: {sorted(OPS)}"}), flush=True)
        continue
    c0, t0 = time.process_time(), time.perf_counter()
    value = OPS[op]()
    wall_ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    print(json.dumps({"ok": True, "wallMs": wall_ms, "cpuMs": cpu_ms, "value": value}), flush=True)

"""PyTorch side of bnkit's weight exchange tests (run with torch 1.13; numpy only besides).

  python3 lenet_bn.py make               PyTorch-initialised, briefly trained d2l LeNet-BN -> pytorch-lenet-bn.safetensors,
                                         its eval-mode logits on fixed inputs -> pytorch-lenet-bn.logits.safetensors
  python3 lenet_bn.py check              loads bnkit-lenet-bn.safetensors (written by make-bnkit-reference.mjs) into the
                                         same nn.Sequential, writes its logits -> bnkit-lenet-bn.pytorch-logits.safetensors
                                         and prints max |logit difference| against bnkit's own logits
  python3 lenet_bn.py train DATA OUT     trains the d2l model on DATA's images (safetensors) for the 256-image measurement
  python3 lenet_bn.py compare DATA       PyTorch logits for the models in DATA against the bnkit logits stored beside them

safetensors is read and written here from its specification (8-byte LE header length, JSON header, raw LE data),
independently of bnkit's TypeScript implementation.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
DTYPES = {'F32': np.float32, 'I64': np.int64}


def lenet_bn():
    """d2l 'Batch Normalization', concise implementation (nn.BatchNorm2d / nn.BatchNorm1d)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))


def save(path, tensors):
    header, chunks, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()  # keeps 0-dim tensors 0-dim (ascontiguousarray would not)
        dtype = {np.dtype(np.float32): 'F32', np.dtype(np.int64): 'I64'}[a.dtype]
        raw = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b' ' * ((8 - (len(text) + 8) % 8) % 8)
    Path(path).write_bytes(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def load(path):
    data = Path(path).read_bytes()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    header.pop('__metadata__', None)
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        a = np.frombuffer(body[begin:end], dtype=np.dtype(DTYPES[e['dtype']]).newbyteorder('<')).reshape(e['shape'])
        out[name] = torch.from_numpy(a.astype(DTYPES[e['dtype']]))
    return out


def logits_of(net, x):
    net.eval()
    with torch.no_grad():
        return net(x)


def make():
    torch.manual_seed(0)
    net = lenet_bn()  # PyTorch's own initialisation (kaiming-uniform weights, uniform biases)
    gen = torch.Generator().manual_seed(1)
    # A few SGD steps on seeded noise with a learnable rule, so weights, gamma, beta and the running
    # statistics all move away from their initial values.
    optimizer = torch.optim.SGD(net.parameters(), lr=0.9)
    net.train()
    for _ in range(30):
        x = torch.rand(64, 1, 28, 28, generator=gen)
        y = (x[:, 0, :14].mean(dim=(1, 2)) * 40).long() % 10
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    x = torch.rand(8, 1, 28, 28, generator=gen)
    save(HERE / 'pytorch-lenet-bn.safetensors', net.state_dict())
    save(HERE / 'pytorch-lenet-bn.logits.safetensors', {'x': x, 'logits': logits_of(net, x)})
    print('wrote pytorch-lenet-bn.safetensors and pytorch-lenet-bn.logits.safetensors')


def check():
    net = lenet_bn()
    net.load_state_dict(load(HERE / 'bnkit-lenet-bn.safetensors'), strict=True)
    x = load(HERE / 'pytorch-lenet-bn.logits.safetensors')['x']
    logits = logits_of(net, x)
    save(HERE / 'bnkit-lenet-bn.pytorch-logits.safetensors', {'logits': logits})
    bnkit = load(HERE / 'bnkit-lenet-bn.bnkit-logits.safetensors')['logits']
    print(f'bnkit export loaded into torch {torch.__version__} nn.Sequential with strict=True')
    print(f'max |PyTorch logit - bnkit logit| on {x.shape[0]} inputs: {(logits - bnkit).abs().max().item():.3e}')


def train(data_path, out_path):
    d = load(data_path)
    torch.manual_seed(0)
    net = lenet_bn()
    optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
    net.train()
    x, y = d['train_x'], d['train_y']
    order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))
    for start in range(0, x.shape[0] - 1, 256):
        idx = order[start:start + 256]
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
        optimizer.step()
    save(out_path, net.state_dict())
    acc = (logits_of(net, d['test_x']).argmax(1) == d['test_y']).float().mean().item()
    print(f'PyTorch-trained LeNet-BN ({x.shape[0]} images, 1 epoch): accuracy {acc:.3f} on the {d["test_x"].shape[0]} test images')


def compare(data_path):
    d = load(data_path)
    x = d['test_x']
    for direction, weights, key in [('bnkit -> PyTorch', 'bnkit_weights', 'bnkit_logits_of_bnkit'),
                                     ('PyTorch -> bnkit', 'pytorch_weights', 'bnkit_logits_of_pytorch')]:
        net = lenet_bn()
        net.load_state_dict(load(Path(data_path).parent / f'{weights}.safetensors'), strict=True)
        delta = (logits_of(net, x) - d[key]).abs().max().item()
        print(f'{direction}: max |delta logit| on {x.shape[0]} test images = {delta:.3e}')


if __name__ == '__main__':
    {'make': make, 'check': check, 'train': train, 'compare': compare}[sys.argv[1]](*sys.argv[2:])

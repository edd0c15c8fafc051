"""Derives PyTorch's NaN/Inf behaviour for every kernel of the bnkit contract (the "PyTorch" column of
docs/nan-semantics.md). Run: python3 conformance/scripts/nan-semantics.py  (PyTorch >= 1.13, CPU).
Each line: kernel | injected value | what came out, for float32 and float64 (a line is printed once when
both dtypes agree, else once per dtype)."""
import math
import torch
import torch.nn.functional as F

BAD = {'NaN': math.nan, '+Inf': math.inf, '-Inf': -math.inf}


def cls(t):
    """Per-element class of a tensor: N (NaN), + (+Inf), - (-Inf), f (finite), as a compact string."""
    t = t.detach().reshape(-1).tolist()
    return ''.join('N' if math.isnan(v) else '+' if v == math.inf else '-' if v == -math.inf else 'f' for v in t)


def report(kernel, bad, fn):
    outs = {str(dt).split('.')[-1]: fn(dt) for dt in (torch.float32, torch.float64)}
    if outs['float32'] == outs['float64']:
        print(f'{kernel} | {bad} | {outs["float32"]}')
    else:
        for dt, o in outs.items():
            print(f'{kernel} [{dt}] | {bad} | {o}')


def batch_norm_train(bad, where):
    """x [4, 2]: channel 0 gets the bad value at row 1 (in x or in dy); channel 1 stays clean."""
    def run(dt):
        x = torch.tensor([[1., 5.], [2., 6.], [4., 7.], [8., 9.]], dtype=dt)
        dy = torch.tensor([[.5, -1.], [.25, 2.], [-.75, .5], [1., .125]], dtype=dt)
        (x if where == 'x' else dy)[1, 0] = BAD[bad]
        x.requires_grad_(True)
        g = torch.tensor([1.5, -2.], dtype=dt, requires_grad=True)
        b = torch.tensor([.5, .25], dtype=dt, requires_grad=True)
        rm, rv = torch.zeros(2, dtype=dt), torch.ones(2, dtype=dt)
        y, mean, invstd, _, _ = torch.ops.aten._batch_norm_impl_index(x, g, b, rm, rv, True, 0.1, 1e-5, False)[:5]
        y.backward(dy)
        # running stats with PyTorch momentum 0 (bnkit momentum 1: keep the old value): is 0·NaN kept?
        rm0, rv0 = torch.zeros(2, dtype=dt), torch.ones(2, dtype=dt)
        F.batch_norm(x.detach(), rm0, rv0, None, None, True, 0.0, 1e-5)
        return (f'y={cls(y)} mean={cls(mean)} invStd={cls(invstd)} runningMean={cls(rm)} runningVar={cls(rv)} '
                f'runningMean(m=0)={cls(rm0)} runningVar(m=0)={cls(rv0)} '
                f'dx={cls(x.grad)} dgamma={cls(g.grad)} dbeta={cls(b.grad)} dbeta==clean:{where == "x"}')
    return run


def batch_norm_eval(bad, where):
    def run(dt):
        x = torch.tensor([[1., 5.], [2., 6.], [4., 7.]], dtype=dt)
        dy = torch.tensor([[.5, -1.], [.25, 2.], [-.75, .5]], dtype=dt)
        (x if where == 'x' else dy)[1, 0] = BAD[bad]
        x.requires_grad_(True)
        g = torch.tensor([1.5, -2.], dtype=dt, requires_grad=True)
        b = torch.tensor([.5, .25], dtype=dt, requires_grad=True)
        y = F.batch_norm(x, torch.tensor([1., 2.], dtype=dt), torch.tensor([2., 3.], dtype=dt), g, b, False)
        y.backward(dy)
        return f'y={cls(y)} dx={cls(x.grad)} dgamma={cls(g.grad)} dbeta={cls(b.grad)}'
    return run


def linear(bad, where):
    def run(dt):
        x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], dtype=dt)
        dy = torch.tensor([[.5, -1.], [.25, 2.]], dtype=dt)
        (x if where == 'x' else dy)[0, 1] = BAD[bad]
        x.requires_grad_(True)
        w = torch.tensor([[.5, -.25, 1.], [2., .125, -1.]], dtype=dt, requires_grad=True)
        bias = torch.zeros(2, dtype=dt, requires_grad=True)
        y = F.linear(x, w, bias)
        y.backward(dy)
        return f'y={cls(y)} dx={cls(x.grad)} dweight={cls(w.grad)} dbias={cls(bias.grad)}'
    return run


def conv2d(bad, where):
    """x [1, 1, 4, 4], weight [2, 1, 2, 2], stride 2, padding 0: each x element is read by one window."""
    def run(dt):
        x = torch.arange(16, dtype=dt).reshape(1, 1, 4, 4) / 8
        dy = torch.arange(8, dtype=dt).reshape(1, 2, 2, 2) / 4 - .5
        (x if where == 'x' else dy)[0, 0, 0, 1] = BAD[bad]
        x.requires_grad_(True)
        w = torch.tensor([.5, -.25, 1., 2., .125, -1., .75, .5], dtype=dt).reshape(2, 1, 2, 2).requires_grad_(True)
        bias = torch.zeros(2, dtype=dt, requires_grad=True)
        y = F.conv2d(x, w, bias, stride=2)
        y.backward(dy)
        return f'y={cls(y)} dx={cls(x.grad)} dweight={cls(w.grad)} dbias={cls(bias.grad)}'
    return run


def pool(kind, values):
    """One 2x2 window (x [1, 1, 2, 2]); dy = 1. Returns y and where the gradient went."""
    def run(dt):
        x = torch.tensor(values, dtype=dt).reshape(1, 1, 2, 2).requires_grad_(True)
        y = (F.max_pool2d if kind == 'max' else F.avg_pool2d)(x, 2)
        y.backward(torch.ones_like(y))
        return f'y={y.item()} dx={x.grad.reshape(-1).tolist()}'
    return run


def elementwise(name, fn):
    def run(dt):
        x = torch.tensor([math.nan, math.inf, -math.inf, 0.], dtype=dt, requires_grad=True)
        y = fn(x)
        y.backward(torch.ones_like(y))
        dnan = torch.tensor([1., math.nan], dtype=dt)
        xs = torch.tensor([-1., 1.], dtype=dt, requires_grad=True)
        fn(xs).backward(dnan)
        return f'x=[NaN,+Inf,-Inf,0] → y={y.tolist()} dx(dy=1)={x.grad.tolist()}; x=[-1,1], dy=[1,NaN] → dx={xs.grad.tolist()}'
    return run


def cross_entropy(bad, col):
    """logits [3, 3], labels [0, 1, 2]; row 1 gets the bad value at column `col` (label of row 1 is 1)."""
    def run(dt):
        z = torch.tensor([[1., 2., 3.], [.5, -1., 2.], [0., 0., 1.]], dtype=dt)
        z[1, col] = BAD[bad]
        z.requires_grad_(True)
        rows = F.cross_entropy(z, torch.tensor([0, 1, 2]), reduction='none')
        loss = rows.mean()
        loss.backward()
        clean = torch.tensor([[1., 2., 3.], [.5, -1., 2.], [0., 0., 1.]], dtype=dt, requires_grad=True)
        F.cross_entropy(clean, torch.tensor([0, 1, 2])).backward()
        same = torch.equal(z.grad[[0, 2]], clean.grad[[0, 2]])
        return f'rowLoss={cls(rows)} loss={cls(loss)} dlogits={cls(z.grad)} otherRowsBitIdentical={same}'
    return run


def argmax(row):
    def run(dt):
        return f'{row} → {torch.argmax(torch.tensor([row], dtype=dt), dim=-1).item()}'
    return run


def sgd(bad):
    def run(dt):
        p = torch.tensor([1., 2.], dtype=dt)
        p.grad = torch.tensor([BAD[bad], 1.], dtype=dt)
        opt = torch.optim.SGD([p.requires_grad_()], lr=0.1)
        opt.step()
        return f'param={p.tolist()}'
    return run


if __name__ == '__main__':
    torch.set_grad_enabled(True)
    for bad in BAD:
        report('batchNormTrain+Backward, bad x[1, c0]', bad, batch_norm_train(bad, 'x'))
        report('batchNormTrain+Backward, bad dy[1, c0]', bad, batch_norm_train(bad, 'dy'))
        report('batchNormEval+Backward, bad x[1, c0]', bad, batch_norm_eval(bad, 'x'))
        report('batchNormEval+Backward, bad dy[1, c0]', bad, batch_norm_eval(bad, 'dy'))
        report('linear, bad x[0, 1]', bad, linear(bad, 'x'))
        report('linear, bad dy[0, 1]', bad, linear(bad, 'dy'))
        report('conv2d, bad x[0, 0, 0, 1]', bad, conv2d(bad, 'x'))
        report('conv2d, bad dy[0, 0, 0, 1]', bad, conv2d(bad, 'dy'))
        report('softmaxCrossEntropy, bad logit at row 1, label column', bad, cross_entropy(bad, 1))
        report('softmaxCrossEntropy, bad logit at row 1, other column', bad, cross_entropy(bad, 2))
        report('sgd, bad grad[0]', bad, sgd(bad))
    n, inf = math.nan, math.inf
    for kind in ('max', 'avg'):
        for values in ([1., n, 3., 2.], [n, 2., n, 1.], [1., inf, 3., inf], [-inf, 2., 3., 1.], [-inf] * 4, [3., 1., 3., 2.], [1., inf, -inf, 2.]):
            report(f'{kind}Pool2d window {values}', '-', pool(kind, values))
    report('relu', '-', elementwise('relu', torch.relu))
    report('sigmoid', '-', elementwise('sigmoid', torch.sigmoid))
    for row in ([1., n, 3., n], [n, 1., 2.], [3., inf, n], [2., 5., 5.], [inf, inf, 1.], [-inf, -inf]):
        report('argmax', '-', argmax(row))

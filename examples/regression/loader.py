"""A user's own data for `sweeps run examples/regression/spec.yaml`: scikit-learn's bundled diabetes.

`load()` returns `(x, y)`; the runner splits it as the spec says. Return a mapping with
`x_train, y_train, x_val, y_val[, x_test, y_test]` instead to keep splits of your own.
"""

from sklearn.datasets import load_diabetes


def load():
    x, y = load_diabetes(return_X_y=True, scaled=True)
    return x, y / 100.0

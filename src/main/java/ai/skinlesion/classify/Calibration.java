package ai.skinlesion.classify;

import java.util.List;

import ai.skinlesion.modelspec.ModelSpec;

/**
 * Maps the model's probability to a calibrated one, as model.json's {@code calibration} says (fitted by
 * {@code melanoma-export calibrate} on labelled photos). Applied after the model, before the threshold: the
 * threshold of a calibrated model was chosen on the calibrated scale. Without a calibration it is the identity.
 */
public abstract sealed class Calibration {

    /** Platt scaling's default clip, so that a probability of exactly 0 or 1 has a finite logit. */
    static final double DEFAULT_EPSILON = 1e-7;

    public static final Calibration NONE = new None();

    /** The calibration model.json describes; {@link #NONE} when it has none (already validated). */
    public static Calibration of(ModelSpec.Calibration spec) {
        if (spec == null) {
            return NONE;
        }
        return switch (spec.method()) {
            case "platt" -> new Platt(spec.a(), spec.b(), spec.epsilon() == null ? DEFAULT_EPSILON : spec.epsilon());
            case "isotonic" -> new Isotonic(toArray(spec.x()), toArray(spec.y()));
            default -> throw new IllegalArgumentException("unknown calibration method " + spec.method());
        };
    }

    /** The calibrated probability. */
    public abstract double apply(double probability);

    /** Whether answers carry a calibrated probability. */
    public abstract boolean calibrates();

    private static double[] toArray(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static final class None extends Calibration {
        @Override
        public double apply(double probability) {
            return probability;
        }

        @Override
        public boolean calibrates() {
            return false;
        }
    }

    /** {@code sigmoid(a * logit(p) + b)}, p clipped to [epsilon, 1 - epsilon]. */
    static final class Platt extends Calibration {
        private final double a;
        private final double b;
        private final double epsilon;

        Platt(double a, double b, double epsilon) {
            this.a = a;
            this.b = b;
            this.epsilon = epsilon;
        }

        @Override
        public double apply(double probability) {
            double p = Math.min(Math.max(probability, epsilon), 1 - epsilon);
            double z = a * Math.log(p / (1 - p)) + b;
            return 1 / (1 + Math.exp(-z));
        }

        @Override
        public boolean calibrates() {
            return true;
        }
    }

    /**
     * Isotonic regression's step function as scikit-learn predicts with it: linear interpolation between the
     * breakpoints, the end values outside them.
     */
    static final class Isotonic extends Calibration {
        private final double[] x;
        private final double[] y;

        Isotonic(double[] x, double[] y) {
            this.x = x;
            this.y = y;
        }

        @Override
        public double apply(double probability) {
            if (probability <= x[0]) {
                return y[0];
            }
            int last = x.length - 1;
            if (probability >= x[last]) {
                return y[last];
            }
            int i = java.util.Arrays.binarySearch(x, probability);
            if (i >= 0) {
                return y[i];
            }
            int hi = -i - 1; // x[hi - 1] < probability < x[hi]
            int lo = hi - 1;
            // numpy.interp's order of operations, so that model-export's threshold meets the same doubles
            double slope = (y[hi] - y[lo]) / (x[hi] - x[lo]);
            return slope * (probability - x[lo]) + y[lo];
        }

        @Override
        public boolean calibrates() {
            return true;
        }
    }
}

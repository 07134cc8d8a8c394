"""Export Keras EfficientNet melanoma classifiers to ONNX, with a parity gate and a spec beside the model.

Modules follow the export path: ``cli`` (argument parsing only) -> ``sources`` (load or rebuild the
Keras model) -> ``export`` (torch dynamo to ONNX) -> ``rewrites`` (graph rewrites that keep parity) ->
``parity`` (TensorFlow vs onnxruntime) -> ``spec`` (model.json). ``preprocessing`` holds the one
reference preprocessing function, ``reference`` writes fixtures for the Java tests, ``demo`` builds the
untrained demo model, ``quantize`` the optional int8 variant and ``runtime_graphs`` the graphs, pre-optimised
by onnxruntime, saved beside model.onnx.
"""

__version__ = "0.1.0"

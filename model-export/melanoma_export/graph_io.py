"""The exported graph's tensor names: the contract between the export, every stage that runs the graph, and
model.json. Its own module so that the stages need not import the exporter (and the exporter them) for a name."""

INPUT_NAME = "image"
OUTPUT_NAME = "probability"

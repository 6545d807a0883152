"""zfviz: re-creating Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks"."""

__version__ = "0.1.0"

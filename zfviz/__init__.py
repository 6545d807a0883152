"""zfviz: re-creating Zeiler & Fergus (2014),
"Visualizing and Understanding Convolutional Networks", as an executable book."""

__version__ = "0.2.0"

return GroveMoE.Quantizer.QuantizerApp.Run(args);

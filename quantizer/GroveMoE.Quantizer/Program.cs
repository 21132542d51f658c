return await GroveMoE.Quantizer.QuantizerApp.RunAsync(args);

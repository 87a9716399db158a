# Sourced by the flows that start Open MPI jobs (mpi.sh, mpi_eval.sh): mpirun's options and
# environment for one test host, in mpi_options.
#
# One host, over loopback TCP (as between machines; no shared-memory or network hardware of the
# test machine needed), whatever the number of cores. -q: without it mpirun adds its own
# multi-line notes when a rank exits with a non-zero status (the tools print their one line).
# Open MPI refuses to run as root unless told (CI runs the tests as root).
export OMPI_MCA_btl=self,tcp OMPI_MCA_pml=ob1 OMPI_MCA_btl_tcp_if_include=lo \
  OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_base_warn_component_unused=0 \
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_plm_rsh_agent=false
unset DISPLAY  # hwloc would ask an X server about GPUs ("No protocol specified")
mpi_options=(-q --oversubscribe --mca btl self,tcp)
[ "$(id -u)" -ne 0 ] || mpi_options+=(--allow-run-as-root)

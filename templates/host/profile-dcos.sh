# DC/OS: put the cluster's tools on the PATH of login shells.
case ":${PATH}:" in
    *:/opt/mesosphere/bin:*) ;;
    *) PATH="/opt/mesosphere/bin:${PATH}" ;;
esac
export PATH

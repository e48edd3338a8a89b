set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "fig2_slice_dims_cpu_dims.png"
set label 1000 "Figure 2 at CPU scale: slicing each dimension of the weight tensor (DenseNet, one epoch)\ntest accuracy against learned parameters, per sliced dimension" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'learned parameters (log scale)'
set logscale x
set format x '%.0s%c'
set mxtics 10
data = "fig2_slice_dims_cpu_dims.dat"
plot data index 0 using 1:2 with points linecolor rgb '#0072B2' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 1 filters", \
  data index 0 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#0072B2' font 'Sans,9' notitle, \
  data index 1 using 1:2 with points linecolor rgb '#D55E00' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 2 inputs", \
  data index 1 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#D55E00' font 'Sans,9' notitle, \
  data index 2 using 1:2 with points linecolor rgb '#009E73' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 3 rows", \
  data index 2 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#009E73' font 'Sans,9' notitle, \
  data index 3 using 1:2 with points linecolor rgb '#CC79A7' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 4 columns", \
  data index 3 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#CC79A7' font 'Sans,9' notitle
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "fig2_slice_dims_cpu_dims.svg"
set label 1000 "Figure 2 at CPU scale: slicing each dimension of the weight tensor (DenseNet, one epoch)\ntest accuracy against learned parameters, per sliced dimension" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'learned parameters (log scale)'
set logscale x
set format x '%.0s%c'
set mxtics 10
data = "fig2_slice_dims_cpu_dims.dat"
plot data index 0 using 1:2 with points linecolor rgb '#0072B2' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 1 filters", \
  data index 0 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#0072B2' font 'Sans,9' notitle, \
  data index 1 using 1:2 with points linecolor rgb '#D55E00' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 2 inputs", \
  data index 1 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#D55E00' font 'Sans,9' notitle, \
  data index 2 using 1:2 with points linecolor rgb '#009E73' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 3 rows", \
  data index 2 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#009E73' font 'Sans,9' notitle, \
  data index 3 using 1:2 with points linecolor rgb '#CC79A7' pointtype 7 linewidth 2 pointsize 1.3 title "dim_slice 4 columns", \
  data index 3 using 1:2:4 with labels offset 0,1.2 textcolor rgb '#CC79A7' font 'Sans,9' notitle
unset output
